package io.activitystreamer.mesh;

import java.util.HashMap;
import java.util.Map;

/**
 * What each member's last digest acknowledged (its replication positions) and when it came; and, for
 * members declared dead, how far they had acknowledged this server's own events (see
 * {@link AntiEntropy#pruneRetained}).
 */
final class Acks {
  /** A member declared dead: its name, how far it had acknowledged this server's own events, and when. */
  record DeadAck(String name, long ownAck, long at) {}

  private final Map<String, Map<String, Long>> acks = new HashMap<>();
  /** When each member's digest (its acks) was last received. */
  private final Map<String, Long> ackTimes = new HashMap<>();
  /** Members declared dead, for the own events they had not acknowledged. */
  final Map<String, DeadAck> deadAcks = new HashMap<>();

  /** Per member: the newest login sync it answered (the asker's number) and its own position then. */
  private final Map<String, long[]> synced = new HashMap<>();

  /** {@code member} answered the sync asked at {@code asked}; it had its own events up to {@code own}. */
  void synced(String member, long asked, long own) {
    long[] s = synced.get(member);
    if (s == null || s[0] < asked) {
      synced.put(member, new long[] {asked, own});
    }
  }

  /** {@code member}'s own position in its answer to a sync asked at or after {@code since}; -1 when none came yet. */
  long syncedSince(String member, long since) {
    long[] s = synced.get(member);
    return s == null || s[0] < since ? -1 : s[1];
  }

  void heardAt(String member, long now) {
    ackTimes.put(member, now);
  }

  /** When {@code member}'s last digest came, or null. */
  Long heardAt(String member) {
    return ackTimes.get(member);
  }

  void put(String member, Map<String, Long> positions) {
    acks.put(member, positions);
  }

  /** What {@code member} last acknowledged (empty if nothing yet). */
  Map<String, Long> of(String member) {
    return acks.getOrDefault(member, Map.of());
  }

  /** {@code m} (may be null) was declared dead: its acks now count only for this server's own events. */
  void died(String id, Member m, String self, long now) {
    synced.remove(id);
    Map<String, Long> lastAcks = acks.remove(id);
    if (lastAcks != null && m != null) {
      deadAcks.put(id, new DeadAck(m.name, lastAcks.getOrDefault(self, 0L), now));
    }
  }
}
