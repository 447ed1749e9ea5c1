package io.activitystreamer.mesh;

import static io.activitystreamer.mesh.MeshCore.LOG;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Replicator;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;

/**
 * A link that authenticated becomes a member's link: a joining server installs the snapshot that came
 * with it, the acceptor welcomes (with a snapshot for a joining server), and both exchange a hello
 * digest. Of two links to one member both sides keep the one initiated by the smaller id (the newest
 * of those). Losing a link is the {@link FailureDetector}'s.
 */
final class Links {
  private final MemberTable table;
  private final MeshOutbox out;
  private final Membership membership;
  private final FailureDetector detector;
  private final Snapshots snapshots;
  private final Acks acks;
  private final Replicator replicator;
  private final Registrar registrar;

  Links(MemberTable table, MeshOutbox out, Membership membership, FailureDetector detector, Snapshots snapshots,
        Acks acks, Replicator replicator, Registrar registrar) {
    this.table = table;
    this.out = out;
    this.membership = membership;
    this.detector = detector;
    this.snapshots = snapshots;
    this.acks = acks;
    this.replicator = replicator;
    this.registrar = registrar;
  }

  /** See {@link MeshCore#onLinkUp}. */
  void onLinkUp(String linkId, boolean initiatedBySelf, JsonObject hello, long now) {
    String self = table.self;
    String id = hello.getString(Fields.ID);
    if (id == null) {
      LOG.info("[{}] link {} from a peer without id: it only receives announcements", self, linkId);
      table.linkMember.put(linkId, "anonymous:" + linkId);
      return;
    }
    if (table.dead.contains(id)) {
      Member m = table.get(id);
      if (m != null) {
        m.connecting = false;
      }
      out.closeLink(linkId, PeerMessages.refusedAsDead(id, self, table.liveCount()));
      return;
    }
    JsonObject snapshot = hello.getJsonObject(Fields.SNAPSHOT);
    if (!table.joined && snapshot == null) {
      // not joined yet: serving a snapshot or events now would hand out (or mix in) an empty state
      out.closeLink(linkId, null);
      return;
    }
    if (snapshot != null && !table.joined) {
      snapshots.install(snapshot);
    }
    Member m = membership.learn(id, hello.getString(Fields.NAME), hello.getString(Fields.HOSTNAME),
        hello.getInteger(Fields.PORT, 0), now);
    if (hello.getValue(Fields.TLS_PORT) instanceof Number t) {
      m.tlsPort = t.intValue();
    }
    if (m.linkId != null && !preferNew(m, initiatedBySelf)) {
      out.closeLink(linkId, null);
      return;
    }
    if (m.linkId != null) {
      String old = m.linkId;
      table.linkMember.remove(old);
      out.closeLink(old, null);
    }
    boolean wasSuspect = m.status != Member.Status.ALIVE;
    m.linkId = linkId;
    m.connecting = false;
    m.status = Member.Status.ALIVE;
    m.lastHeard = now;
    m.redial.reset();
    table.linkMember.put(linkId, id);
    table.linkInitiatedBySelf.put(linkId, initiatedBySelf);
    detector.linked();
    if (!initiatedBySelf) {
      boolean join = hello.getBoolean(Fields.JOIN, false);
      out.send(linkId, PeerMessages.welcome(self, table.name, table.hostname, table.port, table.tlsPort,
          table.memberList(), join ? snapshots.snapshot() : null));
      if (join) {
        acks.put(id, new HashMap<>(replicator.positions()));
      }
    }
    m.linkedTo = MemberTable.aliveIn(hello.getJsonArray(Fields.MEMBERS));
    membership.mergeMembers(hello.getJsonArray(Fields.MEMBERS), now);
    out.send(linkId, PeerMessages.digest(replicator.positions(), true, table.linkedIds()));
    registrar.onMemberLinked(id);
    LOG.info("[{}] link to {} up ({}){}", self, id, initiatedBySelf ? "outbound" : "inbound",
        wasSuspect ? "" : " (replaced)");
    table.announce(now, null);
    out.membersChanged();
  }

  private boolean preferNew(Member m, boolean newInitiatedBySelf) {
    String self = table.self;
    String preferredInitiator = self.compareTo(m.id) < 0 ? self : m.id;
    boolean oldBySelf = table.linkInitiatedBySelf.getOrDefault(m.linkId, false);
    boolean oldPreferred = (oldBySelf ? self : m.id).equals(preferredInitiator);
    boolean newPreferred = (newInitiatedBySelf ? self : m.id).equals(preferredInitiator);
    return newPreferred || !oldPreferred;
  }
}
