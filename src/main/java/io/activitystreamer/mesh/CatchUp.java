package io.activitystreamer.mesh;

import io.activitystreamer.replication.Replicator;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether this server holds what the mesh holds of an origin, from the digests it received: what a
 * LOGIN that takes over a session (or may follow one this server has not heard of) waits for (G4).
 */
final class CatchUp {
  private final MemberTable table;
  private final Acks acks;
  private final Replicator replicator;
  /** Other servers' incarnations known from a data directory (before a restart). */
  private final Set<String> recoveredOrigins = new HashSet<>();

  CatchUp(MemberTable table, Acks acks, Replicator replicator) {
    this.table = table;
    this.acks = acks;
    this.replicator = replicator;
  }

  /** See {@link MeshCore#recoveredOrigins}. */
  void recoveredOrigins(Collection<String> origins) {
    for (String o : origins) {
      if (!MemberTable.nameOf(o).equals(table.name)) {
        recoveredOrigins.add(o);
      }
    }
  }

  /**
   * {@code relayed}: members linked to the origin count as caught up once their digest shows nothing
   * more of it (they relay what they get, every digest interval); otherwise the origin is alive and
   * its next events (a detach the LOGIN waits for) may still be on their way, so they never do.
   */
  boolean caughtUpWith(String origin, long since, boolean relayed) {
    Member o = table.get(origin);
    if (!relayed && recoveredOrigins.contains(origin) && !table.linkedIncarnationOf(MemberTable.nameOf(origin))) {
      // an incarnation from before a restart from disk whose server is not back: its disk may hold
      // more of it (accepted just before the crash) than any member here
      return false;
    }
    if (!relayed && o != null && o.status != Member.Status.DEAD && o.linkId == null && !table.seenByOthers(origin)) {
      // cut off from every member we hear from (a short cut while the others are down, or a crash not
      // yet declared): only its link coming back or its death verdict can tell what it still holds
      return false;
    }
    long mine = replicator.position(origin);
    for (Member m : table.members.values()) {
      if (m.status == Member.Status.DEAD || m.id.equals(origin)) {
        continue;
      }
      if (m.linkId == null) {
        return false; // a live member we cannot hear from may hold more of it
      }
      if (!relayed && m.linkedTo.contains(origin)) {
        return false; // it is linked to the origin, which is alive: its events (the detach) are coming
      }
      Long heard = acks.heardAt(m.id);
      if (heard == null || heard <= since || acks.of(m.id).getOrDefault(origin, 0L) > mine) {
        return false;
      }
    }
    return true;
  }

  /** See {@link MeshCore#caughtUpWithUnreachable}. */
  /**
   * Every linked member answered a login sync asked at or after {@code since} and this server applied
   * that member's own events up to its answer: whatever a linked member had sent before the LOGIN
   * arrived (a session of the user this server has not heard of yet, its last activities) is here.
   */
  boolean syncedWithLinked(long since) {
    for (Member m : table.members.values()) {
      if (m.status == Member.Status.DEAD || m.linkId == null) {
        continue;
      }
      long own = acks.syncedSince(m.id, since);
      if (own < 0 || replicator.position(m.id) < own) {
        return false;
      }
    }
    return true;
  }

  boolean caughtUpWithUnreachable(long since) {
    for (Member m : table.members.values()) {
      if (m.status != Member.Status.DEAD && m.linkId == null && !caughtUpWith(m.id, since, true)) {
        return false;
      }
    }
    return true;
  }
}
