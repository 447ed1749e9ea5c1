package io.activitystreamer.state;

import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonObject;

/**
 * The state's bus bodies in one place: reads each request the gateway and the application send to the
 * state and hands it to its {@link ServerCore} input, and builds each body the state sends (connect,
 * rejoin, the replies). Stateless; used by {@link StateVerticle} on the state's event loop.
 */
final class StateBus {
  private StateBus() {}

  /** {username, salt, hash, iterations}. */
  static <R> void register(ServerCore<R> core, R request, JsonObject b, long now) {
    core.register(request, b.getString(Fields.USERNAME), b.getString(Fields.SALT), b.getString(Fields.HASH),
        b.getInteger(Fields.ITERATIONS), now);
  }

  /** {username}. */
  static String username(JsonObject b) {
    return b.getString(Fields.USERNAME);
  }

  /** A user's record, with the registration it replaced when one was lost ({@code lost}). */
  static JsonObject user(UserRecord u, UserRecord lost) {
    return lost == null ? u.toJson() : u.toJson().put(Fields.LOST, lost.toJson());
  }

  /** {username, anonymous, resume, connection}. */
  static <R> void login(ServerCore<R> core, R request, JsonObject b, long now) {
    core.login(request, b.getString(Fields.USERNAME), b.getBoolean(Fields.ANONYMOUS), b.getJsonObject(Fields.RESUME),
        b.getString(Fields.CONNECTION), now);
  }

  /** {connection}: a LOGIN_CANCEL's. */
  static String connection(JsonObject b) {
    return b.getString(Fields.CONNECTION);
  }

  /** {session, target}. */
  static <R> void freeze(ServerCore<R> core, R request, JsonObject b, long now) {
    core.freeze(request, b.getString(Fields.SESSION), b.getJsonObject(Fields.TARGET), now);
  }

  /** {session, anonymous, frozen, since, exact, read} (since defaults to {@code now}). */
  static void detach(ServerCore<?> core, JsonObject b, long now) {
    JsonObject read = b.getJsonObject(Fields.READ);
    core.detach(b.getString(Fields.SESSION), b.getBoolean(Fields.ANONYMOUS, false), b.getBoolean(Fields.FROZEN, false),
        b.getLong(Fields.SINCE, now), b.getBoolean(Fields.EXACT, false), read == null ? null : Vector.fromJson(read));
  }

  /** {session}: a LOGOUT's. */
  static String session(JsonObject b) {
    return b.getString(Fields.SESSION);
  }

  /** The view with the store's counters ({@code store}: null without one). */
  static JsonObject info(JsonObject view, JsonObject store) {
    return view.put(Fields.STORE, store);
  }

  /** {hostname, port}: a START_MESH's or a CONNECT_FAILED's. */
  static Integer port(JsonObject b) {
    return b.getInteger(Fields.PORT);
  }

  static String hostname(JsonObject b) {
    return b.getString(Fields.HOSTNAME);
  }

  /** START_MESH's reply. */
  static JsonObject joined() {
    return new JsonObject().put(Fields.JOINED, true);
  }

  static JsonObject connect(String hostname, int port, boolean join, int selfPort) {
    return new JsonObject().put(Fields.HOSTNAME, hostname).put(Fields.PORT, port).put(Fields.JOIN, join)
        .put(Fields.SELF_PORT, selfPort);
  }

  static JsonObject rejoin(String hostname, int port, JsonObject carry) {
    return new JsonObject().put(Fields.HOSTNAME, hostname).put(Fields.PORT, port).put(Fields.CARRY_OVER, carry);
  }
}
