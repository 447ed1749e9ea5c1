package io.activitystreamer.mesh;

import static io.activitystreamer.mesh.MeshCore.LOG;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;

/**
 * Suspicion and verdicts: a member whose link is down is SUSPECT and re-dialled with backoff; after
 * {@code suspicionMillis} without a link, and without a linked member that still lists it as linked
 * (the indirect probe), it is declared DEAD and the verdict (MEMBER_DEAD) goes to every member. A
 * server told it is dead rejoins as a new incarnation; of two sides that hold each other dead (a
 * healed partition) only the smaller one does.
 */
final class FailureDetector {
  private final MemberTable table;
  private final MeshOptions opts;
  private final MeshOutbox out;
  private final Acks acks;
  private final Registrar registrar;
  private String seedHost;
  private int seedPort;
  private boolean seedConnecting;
  private long seedNextAt;

  FailureDetector(MemberTable table, MeshOptions opts, MeshOutbox out, Acks acks, Registrar registrar) {
    this.table = table;
    this.opts = opts;
    this.out = out;
    this.acks = acks;
    this.registrar = registrar;
  }

  /** See {@link MeshCore#dialSeed}. */
  void dialSeed(String hostname, int port) {
    seedHost = hostname;
    seedPort = port;
  }

  /** Some link is up: membership does the rest. */
  void linked() {
    seedHost = null;
  }

  /**
   * A message on a link that is not (or no longer) a member's: a link we dialled was refused before
   * MESH_WELCOME because the mesh holds us dead.
   */
  void onUnlinkedMessage(JsonObject msg) {
    String self = table.self;
    if (self.equals(msg.getString(Fields.ID)) && Command.MEMBER_DEAD.name().equals(msg.getString(Fields.COMMAND))) {
      String by = msg.getString(Fields.BY);
      if (by != null && table.dead.contains(by) && outranks(msg.getInteger(Fields.LIVE, 0), by)) {
        // a healed partition: each side holds the other dead; only the smaller side (ties: larger id) rejoins
        LOG.info("[{}] {} holds this server dead, and is held dead here; this side is larger, it stays", self, by);
        return;
      }
      LOG.warn("[{}] {}:{} says the mesh declared this server dead: rejoining as a new incarnation", self,
          msg.getString(Fields.VIA_HOSTNAME), msg.getInteger(Fields.VIA_PORT));
      table.joined = false;
      out.rejoin(msg.getString(Fields.VIA_HOSTNAME), msg.getInteger(Fields.VIA_PORT, 0));
    }
  }

  /** True if this side of a mutual dead verdict stays: more live members, or as many and the smaller id. */
  private boolean outranks(int theirLive, String theirId) {
    int mine = table.liveCount();
    return mine > theirLive || mine == theirLive && table.self.compareTo(theirId) < 0;
  }

  /** MEMBER_DEAD on link {@code fromLink}. */
  void onMemberDead(String id, long now, String fromLink) {
    if (id == null) {
      return;
    }
    if (id.equals(table.self)) {
      Member teller = table.get(table.linkMember.get(fromLink));
      LOG.warn("[{}] the mesh declared this server dead: rejoining as a new incarnation", table.self);
      table.joined = false;
      out.rejoin(teller == null ? null : teller.hostname, teller == null ? 0 : table.dialPort(teller));
      return;
    }
    declareDead(id, now, fromLink);
  }

  /** The verdict on {@code id}: sent to every link but {@code fromLink} (where it came from, or null). */
  void declareDead(String id, long now, String fromLink) {
    if (!table.dead.add(id)) {
      return;
    }
    Member m = table.get(id);
    Buffer verdict = PeerMessages.memberDead(id);
    for (String linkId : new ArrayList<>(table.linkMember.keySet())) {
      if (!linkId.equals(fromLink) && (m == null || !linkId.equals(m.linkId))) {
        out.send(linkId, verdict);
      }
    }
    if (m != null) {
      m.status = Member.Status.DEAD;
      if (m.linkId != null) {
        table.linkMember.remove(m.linkId);
        out.closeLink(m.linkId, verdict);
        m.linkId = null;
      }
    }
    acks.died(id, m, table.self, now);
    registrar.onMemberLost(id, true);
    LOG.info("[{}] member {} declared dead", table.self, id);
    out.membersChanged();
  }

  void onLinkDown(String linkId, long now) {
    String id = table.linkMember.remove(linkId);
    table.linkInitiatedBySelf.remove(linkId);
    Member m = id == null ? null : table.get(id);
    if (m == null || !linkId.equals(m.linkId)) {
      return;
    }
    m.linkId = null;
    if (m.status == Member.Status.ALIVE) {
      m.status = Member.Status.SUSPECT;
      m.suspectSince = now;
      m.nextConnectAt = now;
      LOG.info("[{}] link to {} lost; suspect, dead after {} ms without a link", table.self, id,
          opts.suspicionMillis());
    }
    registrar.onMemberLost(id, false);
    table.announce(now, null); // the others learn at once that this link is down (see CatchUp)
    out.membersChanged();
  }

  void onConnectFailed(String hostname, int port, long now) {
    if (hostname.equals(seedHost) && port == seedPort) {
      seedConnecting = false;
    }
    for (Member m : table.members.values()) {
      if (m.hostname.equals(hostname) && table.dialPort(m) == port) {
        m.connecting = false;
        long delay = m.redial.next();
        m.nextConnectAt = now + (m.status == Member.Status.DEAD ? 2 * opts.suspicionMillis() : delay);
      }
    }
  }

  /** Periodic: silent links closed, suspects declared dead or re-dialled, dead ones probed, the seed dialled. */
  void tick(long now) {
    String self = table.self;
    for (Member m : new ArrayList<>(table.members.values())) {
      if (m.status == Member.Status.DEAD) {
        probeDead(m, now);
        continue;
      }
      if (m.linkId != null && now - m.lastHeard > opts.suspicionMillis()) {
        LOG.info("[{}] no message from {} for {} ms: closing its link", self, m.id, now - m.lastHeard);
        String linkId = m.linkId;
        out.closeLink(linkId, null);
        onLinkDown(linkId, now);
      }
      if (m.linkId == null && m.status != Member.Status.ALIVE) {
        // Indirect probe: a member another one is still linked to is alive, only our link is cut (a
        // partial partition); its events come relayed in the digests, lock messages through MESH_RELAY.
        if (table.seenByOthers(m.id)) {
          m.seenViaOthersAt = now;
        }
        long silentSince = Math.max(m.suspectSince, m.seenViaOthersAt);
        if (now - silentSince > opts.suspicionMillis()) {
          LOG.info("[{}] {} unreachable for {} ms", self, m.id, now - silentSince);
          declareDead(m.id, now, null);
          continue;
        }
      }
      boolean mayDial = self.compareTo(m.id) < 0 || now - m.suspectSince > opts.suspicionMillis() / 2;
      if (m.linkId == null && !m.connecting && mayDial && now >= m.nextConnectAt) {
        m.connecting = true;
        out.connect(m.hostname, table.dialPort(m), false);
      }
    }
    if (seedHost != null && table.linkMember.isEmpty() && !seedConnecting && now >= seedNextAt) {
      seedConnecting = true;
      seedNextAt = now + opts.suspicionMillis();
      out.connect(seedHost, seedPort, false);
    }
  }

  /**
   * A dead incarnation's address is dialled again now and then, so the two sides of a healed partition
   * find each other: whichever side is told it is dead (MEMBER_DEAD on the new link) rejoins.
   */
  private void probeDead(Member m, long now) {
    if (m.connecting || now < m.nextConnectAt || supersededByLive(m)) {
      return;
    }
    m.connecting = true;
    m.nextConnectAt = now + 2 * opts.suspicionMillis();
    out.connect(m.hostname, table.dialPort(m), false);
  }

  private boolean supersededByLive(Member dead) {
    for (Member m : table.members.values()) {
      if (m != dead && m.status != Member.Status.DEAD && m.hostname.equals(dead.hostname) && m.port == dead.port) {
        return true;
      }
    }
    return false;
  }
}
