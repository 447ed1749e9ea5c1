package io.activitystreamer.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * The only translator between wire lines and commands. {@link #decode} never throws on bad input: it
 * returns a {@link Decoded} error whose info says what was wrong. Stateless and thread-safe.
 */
public final class MessageCodec {
  private MessageCodec() {}

  /** Decodes one line (without its newline) and checks the fields the command needs. */
  public static Decoded decode(String line) {
    Object parsed;
    try {
      parsed = Json.decodeValue(line);
    } catch (DecodeException | IllegalArgumentException e) {
      return Decoded.error(ProtocolError.invalid("message is not valid JSON"));
    }
    if (!(parsed instanceof JsonObject body)) {
      return Decoded.error(ProtocolError.invalid("message must be a JSON object"));
    }
    Object c = body.getValue(Fields.COMMAND);
    if (c == null) {
      return Decoded.error(ProtocolError.invalid("missing field 'command'"));
    }
    if (!(c instanceof String name)) {
      return Decoded.error(ProtocolError.invalid("field 'command' must be a string"));
    }
    Command command = Command.of(name);
    if (command == null) {
      return Decoded.error(ProtocolError.invalid("unknown command '" + truncate(name) + "'"));
    }
    ProtocolError fieldError = checkFields(command, body);
    return fieldError == null ? Decoded.ok(command, body) : Decoded.error(fieldError);
  }

  private static ProtocolError checkFields(Command command, JsonObject body) {
    switch (command) {
      case REGISTER:
        return firstError(requireString(body, Fields.USERNAME), requireString(body, Fields.SECRET),
            nonEmpty(body, Fields.USERNAME));
      case LOGIN: {
        ProtocolError e = firstError(requireString(body, Fields.USERNAME), optionalString(body, Fields.SECRET));
        if (e != null) {
          return e;
        }
        if (!Fields.ANONYMOUS.equals(body.getValue(Fields.USERNAME)) && body.getValue(Fields.SECRET) == null) {
          return ProtocolError.invalid("missing field 'secret'");
        }
        return null;
      }
      case ACTIVITY_MESSAGE:
        return firstError(requireString(body, Fields.USERNAME), optionalString(body, Fields.SECRET));
      case AUTHENTICATE:
        // the challenge-response handshake carries a nonce and no secret; the classic one only the secret
        return body.containsKey(Fields.NONCE)
            ? firstError(requireString(body, Fields.NONCE), requireString(body, Fields.ID),
                optionalType(body, Fields.VERSION, Number.class, "a number"))
            : requireString(body, Fields.SECRET);
      case AUTH_CHALLENGE:
        return firstError(requireString(body, Fields.NONCE), requireString(body, Fields.PROOF),
            requireString(body, Fields.ID));
      case AUTH_PROOF:
        return requireString(body, Fields.PROOF);
      default:
        return null;
    }
  }

  /**
   * The resume extension's request of a LOGIN, keeping only well-typed fields ({@code session} and
   * {@code token} strings, {@code received} an object of numbers), or null when {@code resume} is absent or not an
   * object: an extension field of another type is not a resume request, never an error (PROTOCOL.md 1).
   */
  public static JsonObject resumeRequest(JsonObject login) {
    if (!(login.getValue(Fields.RESUME) instanceof JsonObject resume)) {
      return null;
    }
    JsonObject clean = new JsonObject();
    if (resume.getValue(Fields.SESSION) instanceof String session) {
      clean.put(Fields.SESSION, session);
    }
    if (resume.getValue(Fields.TOKEN) instanceof String token) {
      clean.put(Fields.TOKEN, token);
    }
    if (resume.getValue(Fields.RECEIVED) instanceof JsonObject r) {
      JsonObject received = new JsonObject();
      r.forEach(e -> {
        if (e.getValue() instanceof Number n) {
          received.put(e.getKey(), n.longValue());
        }
      });
      clean.put(Fields.RECEIVED, received);
    }
    return clean;
  }

  /** The resume extension's client sequence number of an ACTIVITY_MESSAGE, or -1 (absent or not a number). */
  public static long clientSeq(JsonObject activityMessage) {
    return activityMessage.getValue(Fields.SEQ) instanceof Number n ? n.longValue() : -1;
  }

  private static ProtocolError firstError(ProtocolError... errors) {
    for (ProtocolError e : errors) {
      if (e != null) {
        return e;
      }
    }
    return null;
  }

  private static ProtocolError requireString(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return ProtocolError.invalid("missing field '" + field + "'");
    }
    return v instanceof String ? null : ProtocolError.invalid("field '" + field + "' must be a string");
  }

  private static ProtocolError optionalString(JsonObject body, String field) {
    return optionalType(body, field, String.class, "a string");
  }

  private static ProtocolError optionalType(JsonObject body, String field, Class<?> type, String what) {
    Object v = body.getValue(field);
    return v == null || type.isInstance(v) ? null
        : ProtocolError.invalid("field '" + field + "' must be " + what);
  }

  private static ProtocolError nonEmpty(JsonObject body, String field) {
    // runs with the other checks (not after them): the field may be missing or of another type here
    return "".equals(body.getValue(field)) ? ProtocolError.invalid("field '" + field + "' must not be empty") : null;
  }

  private static String truncate(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  /** One JSON line: {@code {"command":C, ...fields}\n}. */
  public static Buffer encode(Command command, JsonObject fields) {
    JsonObject out = new JsonObject().put(Fields.COMMAND, command.name());
    if (fields != null) {
      out.mergeIn(fields);
    }
    return line(out);
  }

  /** A reply carrying only an info text (INVALID_MESSAGE, LOGIN_FAILED, ...). */
  public static Buffer reply(Command command, String info) {
    return encode(command, new JsonObject().put(Fields.INFO, info));
  }

  public static Buffer line(JsonObject json) {
    return json.toBuffer().appendByte((byte) '\n');
  }

  /**
   * The resume extension's form of an encoded ACTIVITY_BROADCAST line: the same bytes with
   * {@code ,"eid":{"origin":O,"n":N}} before the closing brace, spliced rather than encoded again.
   */
  public static Buffer withEid(Buffer broadcastLine, String origin, long n) {
    int end = broadcastLine.length() - 2; // drop "}\n"
    String eid = ",\"" + Fields.EID + "\":{\"origin\":" + io.vertx.core.json.Json.encode(origin) + ",\"n\":" + n + "}}\n";
    return Buffer.buffer(end + eid.length() + 8).appendBuffer(broadcastLine, 0, end).appendString(eid);
  }

  /** ACTIVITY_BROADCAST for one activity, encoded once and shared by every recipient. */
  public static Buffer broadcast(JsonObject activity) {
    return encode(Command.ACTIVITY_BROADCAST, new JsonObject().put(Fields.ACTIVITY, activity));
  }
}
