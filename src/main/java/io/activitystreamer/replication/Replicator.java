package io.activitystreamer.replication;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exactly-once, origin-ordered application of events, and the events kept for peers that may lack them.
 * Pure; owned by {@link MeshCore}.
 *
 * <p>{@code positions[o]} is the highest sequence number of origin {@code o} applied here. An event
 * above {@code positions[o] + 1} waits in {@code pending} until the gap is filled (from the origin on
 * reconnect, or from any member after the origin died). An event whose dependency is not met yet
 * ({@code ready} false: an activity of a sender that moved servers, whose previous activity has not
 * arrived) holds back its origin until it is. Applied events are {@code retained} until every live
 * member's digest shows it has them.
 */
public final class Replicator {
  public interface Applier {
    boolean ready(Event e);

    void apply(Event e);
  }

  private final Map<String, Long> positions = new HashMap<>();
  private final Map<String, TreeMap<Long, Event>> pending = new HashMap<>();
  private final Map<String, ArrayDeque<Event>> retained = new HashMap<>();
  private final Applier applier;

  public Replicator(Applier applier) {
    this.applier = applier;
  }

  public long position(String origin) {
    return positions.getOrDefault(origin, 0L);
  }

  public Map<String, Long> positions() {
    return positions;
  }

  public void install(Map<String, Long> snapshotPositions) {
    positions.clear();
    positions.putAll(snapshotPositions);
  }

  /**
   * The retained events of the member that gave the snapshot, so that this server, whose positions now
   * cover them, can also serve them to a member that lacks them (their holders may all die).
   */
  public void installRetained(List<Event> events) {
    retained.clear();
    for (Event e : events) {
      retained.computeIfAbsent(e.origin(), k -> new ArrayDeque<>()).addLast(e);
    }
  }

  /** Every retained event, per origin oldest first. */
  public List<Event> retainedEvents() {
    List<Event> out = new ArrayList<>();
    retained.values().forEach(out::addAll);
    return out;
  }

  /** A locally originated event, already applied by the state. */
  public void recordLocal(Event e) {
    positions.put(e.origin(), e.seq());
    retained.computeIfAbsent(e.origin(), k -> new ArrayDeque<>()).addLast(e);
  }

  /** An event from a peer: applied now (with whatever it unblocks) or kept until its turn. */
  public void receive(Event e) {
    long pos = position(e.origin());
    if (e.seq() <= pos) {
      return;
    }
    if (e.seq() == pos + 1 && !pending.containsKey(e.origin()) && applier.ready(e)) {
      // the steady state: next in line, nothing held back for its origin
      applyNow(e);
      if (!pending.isEmpty()) {
        drainAll(); // it may be the dependency an event of another origin waits for
      }
      return;
    }
    pending.computeIfAbsent(e.origin(), k -> new TreeMap<>()).put(e.seq(), e);
    drainAll();
  }

  private void applyNow(Event e) {
    applier.apply(e);
    positions.put(e.origin(), e.seq());
    retained.computeIfAbsent(e.origin(), k -> new ArrayDeque<>()).addLast(e);
  }

  private void drainAll() {
    boolean progress = true;
    while (progress) {
      progress = false;
      for (String origin : new ArrayList<>(pending.keySet())) {
        progress |= drain(origin);
      }
    }
  }

  private boolean drain(String origin) {
    TreeMap<Long, Event> queue = pending.get(origin);
    boolean progress = false;
    while (queue != null && !queue.isEmpty()) {
      Event next = queue.firstEntry().getValue();
      long pos = position(origin);
      if (next.seq() <= pos) {
        queue.pollFirstEntry();
        continue;
      }
      if (next.seq() != pos + 1 || !applier.ready(next)) {
        break;
      }
      queue.pollFirstEntry();
      applyNow(next);
      progress = true;
    }
    if (queue != null && queue.isEmpty()) {
      pending.remove(origin);
    }
    return progress;
  }

  /** Retained events of {@code origin} above {@code after}, oldest first. */
  public List<Event> since(String origin, long after) {
    List<Event> out = new ArrayList<>();
    ArrayDeque<Event> q = retained.get(origin);
    if (q != null) {
      for (Event e : q) {
        if (e.seq() > after) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /** Drops retained events that every member in {@code acks} has (per origin minimum). */
  public void prune(Iterable<Map<String, Long>> acks) {
    for (Map.Entry<String, ArrayDeque<Event>> entry : retained.entrySet()) {
      String origin = entry.getKey();
      long min = Long.MAX_VALUE;
      for (Map<String, Long> a : acks) {
        min = Math.min(min, a.getOrDefault(origin, 0L));
      }
      ArrayDeque<Event> q = entry.getValue();
      while (!q.isEmpty() && q.peekFirst().seq() <= min) {
        q.pollFirst();
      }
    }
  }

  /** Below this many retained events their size is not estimated (kept for acks that are a moment away). */
  public static final int SIZE_CHECK_FROM_EVENTS = 10_000;
  private static final int SIZE_SAMPLES = 64;

  /**
   * Keeps the retained events within {@code maxBytes} (as encoded), dropping the oldest of the origins
   * that hold most; returns how many were dropped. A member that then lacks events nobody keeps is
   * declared dead and rejoins with a snapshot (MeshCore). The size is estimated from the newest few
   * encoded events of each origin, and only past {@link #SIZE_CHECK_FROM_EVENTS} events, so the usual
   * few cost nothing.
   */
  public int boundBytes(long maxBytes) {
    int count = retainedCount();
    if (count <= SIZE_CHECK_FROM_EVENTS) {
      return 0;
    }
    // the newest few of each origin (a digest tick must not walk every retained event)
    long sampled = 0;
    int samples = 0;
    int perOrigin = Math.max(1, SIZE_SAMPLES / retained.size());
    for (ArrayDeque<Event> q : retained.values()) {
      Iterator<Event> newest = q.descendingIterator();
      for (int i = 0; i < perOrigin && newest.hasNext(); i++) {
        sampled += newest.next().toJson().encode().length() + 32L;
        samples++;
      }
    }
    long average = Math.max(1, sampled / Math.max(1, samples));
    long keep = Math.max(SIZE_CHECK_FROM_EVENTS, maxBytes / average);
    int dropped = 0;
    while (count - dropped > keep) {
      ArrayDeque<Event> longest = null;
      for (ArrayDeque<Event> q : retained.values()) {
        if (longest == null || q.size() > longest.size()) {
          longest = q;
        }
      }
      long excess = count - dropped - keep;
      int n = (int) Math.min(excess, Math.max(1, longest.size() - (keep / Math.max(1, retained.size()))));
      for (int k = 0; k < n && !longest.isEmpty(); k++) {
        longest.pollFirst();
        dropped++;
      }
    }
    return dropped;
  }

  public int retainedCount() {
    int n = 0;
    for (ArrayDeque<Event> q : retained.values()) {
      n += q.size();
    }
    return n;
  }

  public int pendingCount() {
    int n = 0;
    for (TreeMap<Long, Event> q : pending.values()) {
      n += q.size();
    }
    return n;
  }
}
