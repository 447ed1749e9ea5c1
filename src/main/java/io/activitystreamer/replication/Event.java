package io.activitystreamer.replication;

import io.vertx.core.json.JsonObject;

/**
 * One change of replicated state, identified by (origin server incarnation, origin sequence number).
 * Every server applies every event exactly once, in origin order. Types are listed in {@link Type}.
 */
public record Event(String origin, long seq, Type type, JsonObject body) {

  public enum Type {
    USER_REGISTERED, SESSION_OPENED, SESSION_ATTACHED, SESSION_DETACHED, SESSION_CLOSED, HOST_PROGRESS, ACTIVITY
  }

  public JsonObject toJson() {
    return new JsonObject().put("origin", origin).put("seq", seq).put("type", type.name()).put("body", body);
  }

  public static Event fromJson(JsonObject j) {
    return new Event(j.getString("origin"), j.getLong("seq"), Type.valueOf(j.getString("type")),
        j.getJsonObject("body"));
  }
}
