package io.activitystreamer.state;

import io.activitystreamer.protocol.MessageCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * The activities this server applied, in its apply order (per origin that is the origin's order), kept
 * while some open session may still be owed them, within the backlog bounds. The backlog of a session is
 * the entries its cursor does not cover. {@link #pruned} remembers, per origin, the highest activity
 * number dropped, so a session that was owed a dropped activity can be told how many it lost. Plain and
 * single-threaded; owned by {@link StateCore}, on the state loop.
 */
public final class ActivityLog {

  /** One applied activity with its two encodings (classic and with the resume extension's eid). */
  public record Entry(String origin, long aseq, long acceptedAt, JsonObject activity, Buffer classicLine,
                      Buffer resumeLine) {}

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final Vector pruned = new Vector();
  private long bytes;
  private long droppedTotal;

  /**
   * Appends activity {@code aseq} of {@code origin}, encoded here once into its two lines (the same
   * buffers go to every connection and into every backlog). Returns the entry.
   */
  public Entry append(String origin, long aseq, long acceptedAt, JsonObject activity) {
    Buffer classic = MessageCodec.broadcast(activity);
    Buffer resume = MessageCodec.withEid(classic, origin, aseq);
    Entry e = new Entry(origin, aseq, acceptedAt, activity, classic, resume);
    entries.addLast(e);
    bytes += bytes(e);
    return e;
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

  /** Entries still owed while the bounds dropped them, since start. */
  public long droppedTotal() {
    return droppedTotal;
  }

  /** Every entry, oldest first (the join snapshot's log). */
  Collection<Entry> entries() {
    return entries;
  }

  /** The lines of the entries {@code cursor} does not cover, oldest first: resume lines (with eid) or classic ones. */
  List<Buffer> backlog(Vector cursor, boolean resumeLines) {
    List<Buffer> out = new ArrayList<>();
    for (Entry e : after(cursor)) {
      out.add(resumeLines ? e.resumeLine() : e.classicLine());
    }
    return out;
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
   * {@code coveredBefore}, then entries past the count, byte or age bound. Entries past a bound that
   * were still owed count in {@link #droppedTotal}.
   */
  public void prune(Vector minCursor, long coveredBefore, int maxCount, long maxBytes, long oldestAllowed) {
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
    droppedTotal += droppedOwed;
  }
}
