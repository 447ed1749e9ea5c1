package io.activitystreamer.state;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * How far the activity streams got here and on each host: the applied vector, samples of it over time
 * (for the redelivery window and the freeze of a redirect), and the progress each host last announced
 * for the sessions attached to it (HOST_PROGRESS). From these, what a session has been written: its
 * cursor. Plain and single-threaded; owned by {@link StateCore}, on the state loop.
 */
final class Progress {
  final Vector applied = new Vector();
  /** Last progress vector each host announced for the sessions attached to it. */
  final Map<String, Vector> hosts = new HashMap<>();
  /**
   * When (on the host's clock) each host's progress vector was what it had written: it covers only the
   * sessions attached there before that time (a later one got its backlog later).
   */
  final Map<String, Long> hostsAt = new HashMap<>();
  /** (time, applied vector) samples for the redelivery window. */
  private final ArrayDeque<Object[]> history = new ArrayDeque<>();

  /** True if every activity {@code received} names (origin: highest number) is applied here. */
  boolean hasApplied(Vector received) {
    for (Map.Entry<String, Long> e : received.asMap().entrySet()) {
      if (!applied.covers(e.getKey(), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Samples the applied vector at {@code now}, dropping samples older than {@code keep} (two stay). */
  void sample(long now, long keep) {
    history.addLast(new Object[] {now, applied.copy()});
    while (history.size() > 2 && (long) history.peekFirst()[0] < keep) {
      history.removeFirst();
    }
  }

  /** The applied vector at time {@code t}, from the samples (the oldest one if t is older). */
  Vector appliedAt(long t) {
    Vector best = null;
    for (Object[] sample : history) {
      if ((long) sample[0] <= t || best == null) {
        best = (Vector) sample[1];
      }
    }
    return best == null ? applied.copy() : best.copy();
  }

  void onHostProgress(String host, EventBody.HostProgress p) {
    hosts.put(host, p.vector());
    hostsAt.put(host, p.at());
  }

  /**
   * What session {@code s} (attached here) had been written by time {@code t}: the applied vector then,
   * or, if it attached after {@code t}, only what it came with (its backlog was written at the attach).
   */
  Vector writtenBefore(SessionRecord s, long t) {
    return s.attachedAt > t ? s.delivered.copy() : appliedAt(t);
  }

  /** What session {@code s} is known to have been written (not a copy when it is its {@code delivered}). */
  Vector cursorOf(SessionRecord s) {
    if (s.host == null || s.token != null) {
      return s.delivered; // a moving session is written nothing more: its host's progress does not cover it
    }
    Vector p = hosts.get(s.host);
    Vector c = s.delivered.copy();
    // progress sampled before the session attached does not cover its backlog (events without a time: it does)
    boolean covers = hostsAt.getOrDefault(s.host, Long.MAX_VALUE) >= s.attachedAt;
    return p == null || !covers ? c : c.mergeMax(p);
  }
}
