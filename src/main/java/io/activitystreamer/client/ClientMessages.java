package io.activitystreamer.client;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The terminal client's side of the protocol: the lines it sends (REGISTER, LOGIN with the resume
 * extension, ACTIVITY_MESSAGE, LOGOUT) and what it reads from replies and broadcasts.
 */
final class ClientMessages {
  /** A typed line that is not a JSON object goes as the activity {text: line}. */
  private static final String TEXT = "text";
  /** The event id of a broadcast: {origin, n}. */
  private static final String ORIGIN = "origin";
  private static final String N = "n";
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  private ClientMessages() {}

  static JsonObject register(String username, String secret) {
    return new JsonObject().put(Fields.COMMAND, Command.REGISTER.name()).put(Fields.USERNAME, username)
        .put(Fields.SECRET, secret);
  }

  /** LOGIN with {resume: {received, session?, token?}}. */
  static JsonObject login(String username, String secret, JsonObject received, String session, String token) {
    JsonObject login = new JsonObject().put(Fields.COMMAND, Command.LOGIN.name()).put(Fields.USERNAME, username)
        .put(Fields.SECRET, secret);
    JsonObject resume = new JsonObject().put(Fields.RECEIVED, received);
    if (session != null) {
      resume.put(Fields.SESSION, session);
    }
    if (token != null) {
      resume.put(Fields.TOKEN, token);
    }
    return login.put(Fields.RESUME, resume);
  }

  static JsonObject activity(String username, String secret, JsonObject activity, long seq) {
    return new JsonObject().put(Fields.COMMAND, Command.ACTIVITY_MESSAGE.name()).put(Fields.USERNAME, username)
        .put(Fields.SECRET, secret).put(Fields.ACTIVITY, activity).put(Fields.SEQ, seq);
  }

  static JsonObject logout() {
    return new JsonObject().put(Fields.COMMAND, Command.LOGOUT.name());
  }

  /** A typed line as an activity: a JSON object as it is, anything else as {text: line}. */
  static JsonObject toActivity(String line) {
    String t = line.trim();
    if (t.startsWith("{")) {
      try {
        return new JsonObject(t);
      } catch (DecodeException e) {
        // not JSON after all: send as text
      }
    }
    return new JsonObject().put(TEXT, line);
  }

  static boolean isRegisterSuccess(JsonObject reply) {
    return Command.REGISTER_SUCCESS.name().equals(reply.getString(Fields.COMMAND));
  }

  static boolean isLoginSuccess(JsonObject reply) {
    return Command.LOGIN_SUCCESS.name().equals(reply.getString(Fields.COMMAND));
  }

  static String info(JsonObject reply) {
    return reply.getString(Fields.INFO);
  }

  /** The origin of a broadcast's event id. */
  static String origin(JsonObject eid) {
    return eid.getString(ORIGIN);
  }

  /** The number of a broadcast's event id at its origin. */
  static long number(JsonObject eid) {
    return eid.getLong(N);
  }

  /** The console's line for a broadcast {@code activity}: [time] sender: its text alone, else its JSON. */
  static String shown(JsonObject activity) {
    JsonObject body = activity.copy();
    String who = String.valueOf(body.remove(Fields.AUTHENTICATED_USER));
    Object text = body.size() == 1 && body.containsKey(TEXT) ? body.getValue(TEXT) : body.encode();
    return "[" + LocalTime.now().format(TIME) + "] " + who + ": " + text;
  }
}
