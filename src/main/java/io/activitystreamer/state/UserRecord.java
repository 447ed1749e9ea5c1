package io.activitystreamer.state;

import io.vertx.core.json.JsonObject;

/**
 * A registered user: the salted hash of its secret (never the secret), and which registration this is
 * ({@code registeredAt}, {@code origin}), so that every server picks the same winner if a partition let
 * one name be registered twice (earliest registration wins, then the smaller origin id).
 */
public record UserRecord(String username, String salt, String hash, int iterations, long registeredAt,
                         String origin) {

  public boolean precedes(UserRecord other) {
    if (registeredAt != other.registeredAt) {
      return registeredAt < other.registeredAt;
    }
    return origin.compareTo(other.origin) < 0;
  }

  /** Its JSON (the USER_REGISTERED body; see {@link EventCodec#user(UserRecord)}). */
  public JsonObject toJson() {
    return EventCodec.user(this);
  }

  public static UserRecord fromJson(JsonObject j) {
    return EventCodec.user(j);
  }
}
