package io.activitystreamer.mesh;

import static io.activitystreamer.mesh.MeshCore.LOG;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.replication.Replicator;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replication between the links: local events sent once to every linked member, digests (positions)
 * every digest interval, the events a lagging member lacks filled in from the retained ones, and the
 * retention of events until every live member acknowledged them (bounded in bytes).
 */
final class AntiEntropy {
  /** How long own events are kept for a member declared dead that does not come back. */
  static final long DEAD_CARRY_MILLIS = 3_600_000;
  /** At most this many of this server's latest own events are kept for members declared dead. */
  static final long DEAD_CARRY_MAX_EVENTS = 100_000;

  private final MemberTable table;
  private final MeshOptions opts;
  private final MeshOutbox out;
  private final Replicator replicator;
  private final Acks acks;
  private final FailureDetector detector;
  private long lastDigest;
  /** When the last login sync was asked (our clock). */
  private long lastSyncAsked = Long.MIN_VALUE;
  /** Retained events dropped by the byte bound since start. */
  private long retainedDropped;

  AntiEntropy(MemberTable table, MeshOptions opts, MeshOutbox out, Replicator replicator, Acks acks,
              FailureDetector detector) {
    this.table = table;
    this.opts = opts;
    this.out = out;
    this.replicator = replicator;
    this.acks = acks;
    this.detector = detector;
  }

  long retainedDropped() {
    return retainedDropped;
  }

  /** A local event (already recorded and journaled): once to every linked member. */
  void sendLocal(Event e) {
    if (table.linkMember.isEmpty()) {
      return;
    }
    table.broadcast(PeerMessages.event(e));
  }

  /** See {@link MeshCore#adoptCarriedEvents}. */
  void adoptCarriedEvents(List<Event> carried) {
    int adopted = 0;
    for (Event e : carried) {
      if (e.seq() > replicator.position(e.origin())) {
        replicator.receive(e);
        table.broadcast(PeerMessages.event(e));
        adopted++;
      }
    }
    if (adopted > 0) {
      LOG.info("[{}] carried over {} events of the previous incarnation the mesh had not got", table.self, adopted);
    }
  }

  /** True (and the digest sent to every link) once per digest interval. */
  boolean digestTick(long now) {
    if (now - lastDigest < opts.digestIntervalMillis()) {
      return false;
    }
    lastDigest = now;
    table.broadcast(PeerMessages.digest(replicator.positions(), false, table.linkedIds()));
    return true;
  }

  /**
   * A login sync: a digest to every linked member asking each to answer with its own digest at once
   * ({@code sync: now}); once per {@code now} however many LOGINs wait. The answer follows on the same
   * link every event its sender had sent before it.
   */
  void askSync(long now) {
    if (now == lastSyncAsked) {
      return;
    }
    lastSyncAsked = now;
    table.broadcast(PeerMessages.digest(replicator.positions(), table.linkedIds(), Fields.SYNC, now));
  }

  /** MESH_DIGEST from member {@code from} ({@code m}: its entry, or null). */
  void onDigest(String from, Member m, JsonObject msg, long now) {
    acks.heardAt(from, now);
    Map<String, Long> theirs = PeerMessages.positions(msg.getJsonObject(Fields.POSITIONS));
    acks.put(from, theirs);
    boolean hello = msg.getBoolean(Fields.HELLO, false);
    Set<String> theirLinks = PeerMessages.linked(msg);
    String linkId = m == null ? null : m.linkId;
    if (linkId == null) {
      return;
    }
    Long syncOf = number(msg, Fields.SYNC_OF);
    if (syncOf != null) {
      acks.synced(from, syncOf, theirs.getOrDefault(from, 0L));
    }
    Long sync = number(msg, Fields.SYNC);
    if (sync != null) {
      out.send(linkId, PeerMessages.digest(replicator.positions(), table.linkedIds(), Fields.SYNC_OF, sync));
    }
    String self = table.self;
    for (Map.Entry<String, Long> p : replicator.positions().entrySet()) {
      String origin = p.getKey();
      long their = theirs.getOrDefault(origin, 0L);
      if (their >= p.getValue()) {
        continue;
      }
      // The origin sends its own events; others fill in when it is dead or unreachable from here, or when
      // the lagging member is not linked to it (a partial partition: this server relays for it).
      boolean originCanServe = !origin.equals(self) && table.isLinked(origin) && !table.dead.contains(origin)
          && (theirLinks == null || theirLinks.contains(origin));
      if (hello || !originCanServe && !origin.equals(self)) {
        List<Event> missing = replicator.since(origin, their);
        if (missing.isEmpty() || missing.get(0).seq() != their + 1) {
          // it lacks events every member known here acknowledged, so none kept them (it joined through a
          // member that died before announcing it): only a fresh snapshot can catch it up
          LOG.warn("[{}] {} lacks events of {} after {} that are no longer kept: declaring it dead so it rejoins",
              self, from, origin, their);
          detector.declareDead(from, now, null);
          return;
        }
        for (Event e : missing) {
          out.send(linkId, PeerMessages.event(e));
        }
      }
    }
  }

  /** A number field, or null when it is absent or not a number (a peer's field of another kind is ignored). */
  private static Long number(JsonObject msg, String field) {
    return msg.getValue(field) instanceof Number n ? n.longValue() : null;
  }

  void pruneRetained(long now) {
    List<Map<String, Long>> live = new ArrayList<>();
    for (Member m : table.members.values()) {
      if (m.status != Member.Status.DEAD) {
        live.add(acks.of(m.id));
      }
    }
    // this server's own events that members declared dead had not acknowledged are kept too: if they
    // were cut off by a partition, one side rejoins the other when it heals, carrying these over; until
    // a new incarnation of that server is linked here (it came back with a snapshot: live acks govern
    // again), for at most DEAD_CARRY_MILLIS (a server that never comes back) and DEAD_CARRY_MAX_EVENTS
    Map<String, Acks.DeadAck> deadAcks = acks.deadAcks;
    deadAcks.values().removeIf(d -> now - d.at() > DEAD_CARRY_MILLIS || table.linkedIncarnationOf(d.name()));
    if (!deadAcks.isEmpty()) {
      long minAck = deadAcks.values().stream().mapToLong(Acks.DeadAck::ownAck).min().orElseThrow();
      long floor = Math.max(minAck, replicator.position(table.self) - DEAD_CARRY_MAX_EVENTS);
      // constrains this server's own origin only (no other origin is held back by it)
      Map<String, Long> own = new HashMap<>();
      replicator.positions().keySet().forEach(origin -> own.put(origin, Long.MAX_VALUE));
      own.put(table.self, floor);
      live.add(own);
    }
    replicator.prune(live);
    int dropped = replicator.boundBytes(opts.maxRetainedBytes());
    if (dropped > 0) {
      retainedDropped += dropped;
      LOG.warn("[{}] retained events passed maxRetainedBytes ({}): dropped the {} oldest; a member that still "
          + "lacks them will rejoin with a snapshot", table.self, opts.maxRetainedBytes(), dropped);
    }
  }
}
