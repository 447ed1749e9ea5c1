package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.replication.Event;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

/** Builds and reads every mesh message (docs/mesh.md lists them). */
final class PeerMessages {
  private PeerMessages() {}

  /** The dialler's first line: its nonce and identity, never the secret. */
  static Buffer authenticate(String nonce, String id, String name, String hostname, int port, int tlsPort,
                             boolean join) {
    return MessageCodec.encode(Command.AUTHENTICATE, new JsonObject().put(Fields.VERSION, MeshAuth.VERSION)
        .put(Fields.NONCE, nonce).put(Fields.ID, id)
        .put(Fields.NAME, name).put(Fields.HOSTNAME, hostname).put(Fields.PORT, port).put(Fields.TLS_PORT, tlsPort)
        .put(Fields.JOIN, join));
  }

  /** The acceptor's answer: its nonce, its id and its proof. */
  static Buffer challenge(String nonce, String id, String proof) {
    return MessageCodec.encode(Command.AUTH_CHALLENGE, new JsonObject().put(Fields.NONCE, nonce).put(Fields.ID, id)
        .put(Fields.PROOF, proof));
  }

  /** The dialler's proof, after it checked the acceptor's. */
  static Buffer proof(String proof) {
    return MessageCodec.encode(Command.AUTH_PROOF, new JsonObject().put(Fields.PROOF, proof));
  }

  static Buffer welcome(String id, String name, String hostname, int port, int tlsPort, JsonArray members,
                        JsonObject snapshot) {
    JsonObject body = new JsonObject().put(Fields.ID, id).put(Fields.NAME, name).put(Fields.HOSTNAME, hostname)
        .put(Fields.PORT, port).put(Fields.TLS_PORT, tlsPort).put(Fields.MEMBERS, members);
    if (snapshot == null) {
      return MessageCodec.encode(Command.MESH_WELCOME, body);
    }
    List<String> parts = split(snapshot.encode(), SNAPSHOT_PART_CHARS);
    Buffer out = MessageCodec.encode(Command.MESH_WELCOME, body.put(Fields.SNAPSHOT_PARTS, parts.size()));
    for (int i = 0; i < parts.size(); i++) {
      out.appendBuffer(MessageCodec.encode(Command.MESH_SNAPSHOT, new JsonObject().put(Fields.PART, i).put(Fields.DATA, parts.get(i))));
    }
    return out;
  }

  /** Characters of snapshot text per MESH_SNAPSHOT line (a system property for tests that want many parts). */
  static final int SNAPSHOT_PART_CHARS = Integer.getInteger("streamer.snapshotPartChars", 1 << 20);

  /** {@code text} in pieces of at most {@code size} chars, never splitting a surrogate pair. */
  static List<String> split(String text, int size) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int end = Math.min(text.length(), i + size);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end = end - 1 > i ? end - 1 : end + 1; // keep the pair together (a part of one char takes both)
      }
      out.add(text.substring(i, end));
      i = end;
    }
    if (out.isEmpty()) {
      out.add("");
    }
    return out;
  }

  /** {@code redirecting}: {@code {hostname, port}} of the member a client is being redirected to, or null. */
  static Buffer announce(String id, String name, String hostname, int port, int load, JsonArray members,
      JsonObject redirecting) {
    JsonObject body = new JsonObject().put(Fields.ID, id).put(Fields.NAME, name)
        .put(Fields.LOAD, load).put(Fields.HOSTNAME, hostname).put(Fields.PORT, port).put(Fields.MEMBERS, members);
    if (redirecting != null) {
      body.put(Fields.REDIRECTING, redirecting);
    }
    return MessageCodec.encode(Command.SERVER_ANNOUNCE, body);
  }

  static Buffer event(Event e) {
    return MessageCodec.encode(Command.MESH_EVENT, new JsonObject().put(Fields.EVENT, e.toJson()));
  }

  static Buffer digest(Map<String, Long> positions, boolean hello, java.util.Collection<String> linked) {
    return MessageCodec.encode(Command.MESH_DIGEST, digestBody(positions, hello, linked));
  }

  /** A digest with a login sync's field: {@code sync} (asking, the asker's number) or {@code syncOf} (answering it). */
  static Buffer digest(Map<String, Long> positions, java.util.Collection<String> linked, String syncField, long sync) {
    return MessageCodec.encode(Command.MESH_DIGEST, digestBody(positions, false, linked).put(syncField, sync));
  }

  private static JsonObject digestBody(Map<String, Long> positions, boolean hello, java.util.Collection<String> linked) {
    JsonObject p = new JsonObject();
    positions.forEach(p::put);
    return new JsonObject().put(Fields.POSITIONS, p).put(Fields.HELLO, hello)
        .put(Fields.LINKED, new JsonArray(new java.util.ArrayList<>(linked)));
  }

  /** The members the digest's sender is linked to, or null if it did not say. */
  static java.util.Set<String> linked(JsonObject digest) {
    JsonArray a = digest.getJsonArray(Fields.LINKED);
    if (a == null) {
      return null;
    }
    java.util.Set<String> out = new java.util.HashSet<>();
    a.forEach(x -> out.add(String.valueOf(x)));
    return out;
  }

  static Buffer memberDead(String id) {
    return MessageCodec.encode(Command.MEMBER_DEAD, new JsonObject().put(Fields.ID, id));
  }

  /** MEMBER_DEAD refusing a link from a member held dead: {@code by} (this server) and its live member count. */
  static Buffer refusedAsDead(String id, String by, int live) {
    return MessageCodec.encode(Command.MEMBER_DEAD, new JsonObject().put(Fields.ID, id).put(Fields.BY, by).put(Fields.LIVE, live));
  }

  static Buffer lock(Command c, Registrar.Req r) {
    return MessageCodec.encode(c, new JsonObject().put(Fields.USERNAME, r.username()).put(Fields.TS, r.ts())
        .put(Fields.REQUESTER, r.requester()));
  }

  /** {@code line} (a LOCK_* line) for {@code to}, sent through a member linked to both. */
  static Buffer relay(String to, String from, Buffer line) {
    return MessageCodec.encode(Command.MESH_RELAY, new JsonObject().put(Fields.TO, to).put(Fields.FROM, from)
        .put(Fields.MSG, new JsonObject(line.toString().trim())));
  }

  static Registrar.Req req(JsonObject msg) {
    return new Registrar.Req(msg.getString(Fields.USERNAME), msg.getLong(Fields.TS, 0L), msg.getString(Fields.REQUESTER));
  }

  static Map<String, Long> positions(JsonObject json) {
    Map<String, Long> m = new HashMap<>();
    if (json != null) {
      for (String k : json.fieldNames()) {
        m.put(k, ((Number) json.getValue(k)).longValue());
      }
    }
    return m;
  }
}
