package io.activitystreamer.state;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The activities this server applied, in its apply order (per origin that is the origin's order), kept
 * while some open session may still be owed them, within the backlog bounds. The backlog of a session is
 * the entries its cursor does not cover. {@link #pruned} remembers, per origin, the highest activity
 * number dropped, so a session that was owed a dropped activity can be told how many it lost.
 */
public final class ActivityLog {

  /** One applied activity with its two encodings (classic and with the resume extension's eid). */
  public record Entry(String origin, long aseq, long acceptedAt, JsonObject activity, Buffer classicLine,
                      Buffer resumeLine) {}

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final Vector pruned = new Vector();
  private long bytes;

  public void append(Entry e) {
    entries.addLast(e);
    bytes += bytes(e);
  }

  public int size() {
    return entries.size();
  }

  /** Bytes of the encoded lines kept (both encodings). */
  public long bytes() {
    return bytes;
  }

  private static long bytes(Entry e) {
    return e.classicLine().length() + e.resumeLine().length();
  }

  public Vector pruned() {
    return pruned;
  }

  /** Entries not covered by {@code cursor}, oldest first. */
  public List<Entry> after(Vector cursor) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (!cursor.covers(e.origin(), e.aseq())) {
        out.add(e);
      }
    }
    return out;
  }

  /** How many activities owed beyond {@code cursor} were already dropped by the bounds. */
  public long droppedFor(Vector cursor) {
    long n = 0;
    for (var p : pruned.asMap().entrySet()) {
      n += Math.max(0, p.getValue() - cursor.get(p.getKey()));
    }
    return n;
  }

  /**
   * Drops from the head: entries every cursor covers ({@code minCursor}) that were accepted before
   * {@code coveredBefore}, then entries past the count, byte or age bound. Returns how many entries past
   * a bound were dropped while still owed.
   */
  public int prune(Vector minCursor, long coveredBefore, int maxCount, long maxBytes, long oldestAllowed) {
    int droppedOwed = 0;
    Iterator<Entry> it = entries.iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      boolean covered = minCursor != null && minCursor.covers(e.origin(), e.aseq());
      boolean overBound = entries.size() > maxCount || bytes > maxBytes || e.acceptedAt() < oldestAllowed;
      if (!(covered && e.acceptedAt() < coveredBefore) && !overBound) {
        break;
      }
      if (!covered) {
        droppedOwed++;
        pruned.set(e.origin(), Math.max(pruned.get(e.origin()), e.aseq()));
      }
      it.remove();
      bytes -= bytes(e);
    }
    return droppedOwed;
  }

  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (Entry e : entries) {
      list.add(new JsonObject().put("origin", e.origin()).put("aseq", e.aseq()).put("at", e.acceptedAt())
          .put("activity", e.activity()));
    }
    return new JsonObject().put("entries", list).put("pruned", pruned.toJson());
  }
}
