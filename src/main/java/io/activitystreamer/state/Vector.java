package io.activitystreamer.state;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * A position in the activity streams of all origins: origin server id -> highest activity number
 * (eid counter) covered. Mutable; copy before sharing.
 */
public final class Vector {
  private final Map<String, Long> positions;

  public Vector() {
    this.positions = new HashMap<>();
  }

  private Vector(Map<String, Long> positions) {
    this.positions = positions;
  }

  public long get(String origin) {
    return positions.getOrDefault(origin, 0L);
  }

  public void set(String origin, long value) {
    positions.put(origin, value);
  }

  public boolean covers(String origin, long n) {
    return get(origin) >= n;
  }

  /** Raises every position to at least the other's. */
  public Vector mergeMax(Vector other) {
    other.positions.forEach((o, n) -> positions.merge(o, n, Math::max));
    return this;
  }

  public Vector copy() {
    return new Vector(new HashMap<>(positions));
  }

  public Map<String, Long> asMap() {
    return positions;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    positions.forEach(json::put);
    return json;
  }

  public static Vector fromJson(JsonObject json) {
    Vector v = new Vector();
    if (json != null) {
      for (String k : json.fieldNames()) {
        Object n = json.getValue(k);
        if (n instanceof Number num) {
          v.positions.put(k, num.longValue());
        }
      }
    }
    return v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vector v && positions.equals(v.positions);
  }

  @Override
  public int hashCode() {
    return positions.hashCode();
  }

  @Override
  public String toString() {
    return positions.toString();
  }
}
