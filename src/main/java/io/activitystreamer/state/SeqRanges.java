package io.activitystreamer.state;

import io.vertx.core.json.JsonArray;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client sequence numbers a resume session has had accepted, as disjoint closed ranges. Usually one
 * range {@code [1, lastSeq]}; a session whose client sent on both sides of a network partition has
 * holes until the heal brings the other side's activities, which are then told apart from resends:
 * a number already in the set is a resend (delivered once), one in a hole is an activity of its own.
 * Example: {1-33, 69-75} holds 20 and 70, not 40.
 */
final class SeqRanges {
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  boolean contains(long n) {
    Map.Entry<Long, Long> e = ranges.floorEntry(n);
    return e != null && n <= e.getValue();
  }

  void add(long n) {
    if (contains(n)) {
      return;
    }
    long start = n;
    long end = n;
    Map.Entry<Long, Long> below = ranges.floorEntry(n);
    if (below != null && below.getValue() == n - 1) {
      start = below.getKey();
    }
    Long aboveEnd = ranges.remove(n + 1);
    if (aboveEnd != null) {
      end = aboveEnd;
    }
    ranges.put(start, end);
  }

  /** The highest number accepted, 0 if none. */
  long max() {
    return ranges.isEmpty() ? 0 : ranges.lastEntry().getValue();
  }

  JsonArray toJson() {
    JsonArray a = new JsonArray();
    ranges.forEach((s, e) -> a.add(new JsonArray().add(s).add(e)));
    return a;
  }

  /** {@code lastSeq}: a snapshot of a server that kept only the highest seq (no {@code accepted}): 1-lastSeq. */
  static SeqRanges fromJson(JsonArray a, long lastSeq) {
    SeqRanges r = new SeqRanges();
    if (a == null && lastSeq > 0) {
      r.ranges.put(1L, lastSeq);
    }
    if (a != null) {
      for (int i = 0; i < a.size(); i++) {
        JsonArray p = a.getJsonArray(i);
        r.ranges.put(p.getLong(0), p.getLong(1));
      }
    }
    return r;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    ranges.forEach((s, e) -> sb.append(sb.length() > 1 ? ", " : "").append(s).append('-').append(e));
    return sb.append('}').toString();
  }
}
