package io.activitystreamer.mesh;

import static io.activitystreamer.mesh.MeshCore.LOG;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Name agreement: a REGISTER becomes a user once every live member allowed its lock ({@link Registrar}
 * decides); its LOCK_* lines go to a member directly, or through a member linked to both while the
 * direct link is down (MESH_RELAY, one hop).
 */
final class NameAgreement {
  private final MemberTable table;
  private final ReplicatedState state;
  private final MeshOutbox out;
  final Registrar registrar;

  NameAgreement(MemberTable table, ReplicatedState state, MeshOutbox out) {
    this.table = table;
    this.state = state;
    this.out = out;
    this.registrar = new Registrar(table.self, new Effects());
  }

  /** REGISTER with a hashed secret; {@code done} gets true when the mesh agreed and the user exists. */
  void register(String username, String salt, String hash, int iterations, long now, Consumer<Boolean> done) {
    registrar.register(username, now, table.liveMembers(),
        r -> table.joined && state.register(r.username(), salt, hash, iterations, r.ts()), done);
  }

  /**
   * A LOCK_* line between two members whose direct link is down, through a member linked to both (one
   * hop: only what the sender itself handed over is forwarded). For this server: handled as if it came
   * from {@code from} on a link.
   */
  void onRelay(String linkFrom, JsonObject msg) {
    String to = msg.getString(Fields.TO);
    String origin = msg.getString(Fields.FROM);
    JsonObject inner = msg.getJsonObject(Fields.MSG);
    if (to == null || origin == null || inner == null) {
      return;
    }
    if (!to.equals(table.self)) {
      Member target = table.get(to);
      if (origin.equals(linkFrom) && target != null && target.linkId != null) {
        out.send(target.linkId, MessageCodec.encode(Command.MESH_RELAY, msg));
      }
      return;
    }
    if (table.dead.contains(origin) || !table.members.containsKey(origin)) {
      return;
    }
    onLock(origin, Command.of(inner.getString(Fields.COMMAND)), inner);
  }

  /** A LOCK_* message of member {@code from}, on a link or relayed. */
  void onLock(String from, Command c, JsonObject msg) {
    if (c == null) {
      LOG.warn("[{}] ignoring a relayed line without a known command from {}", table.self, from);
      return;
    }
    switch (c) {
      case LOCK_REQUEST -> registrar.onRequest(from, PeerMessages.req(msg));
      case LOCK_ALLOWED -> registrar.onAllowed(from, PeerMessages.req(msg));
      case LOCK_DENIED -> registrar.onDenied(from, PeerMessages.req(msg));
      case LOCK_RELEASE -> registrar.onRelease(PeerMessages.req(msg));
      default -> LOG.warn("[{}] ignoring relayed {} from {}", table.self, c, from);
    }
  }

  /**
   * Relayed requests (or their answers) may be lost: asked again; locks held here for requesters we
   * hear only through a relay are leases, renewed by those requests.
   */
  void tick(long now, long leaseMillis) {
    registrar.tick(now, id -> !table.isLinked(id), leaseMillis);
  }

  private final class Effects implements Registrar.Effects {
    @Override
    public void sendAllowed(String to, Registrar.Req r) {
      sendTo(to, PeerMessages.lock(Command.LOCK_ALLOWED, r));
    }

    @Override
    public void sendDenied(String to, Registrar.Req r) {
      sendTo(to, PeerMessages.lock(Command.LOCK_DENIED, r));
    }

    @Override
    public void broadcastRequest(Set<String> to, Registrar.Req r) {
      Buffer line = PeerMessages.lock(Command.LOCK_REQUEST, r);
      to.forEach(id -> sendTo(id, line));
    }

    @Override
    public void broadcastRelease(Registrar.Req r) {
      Buffer line = PeerMessages.lock(Command.LOCK_RELEASE, r);
      table.liveMembers().forEach(id -> sendTo(id, line));
    }

    @Override
    public boolean registered(String username) {
      return state.registered(username);
    }

    @Override
    public Set<String> liveMembers() {
      return table.liveMembers();
    }

    /** Directly, or through a member linked to both while our link to it is down. */
    private void sendTo(String memberId, Buffer line) {
      Member m = table.get(memberId);
      if (m == null) {
        return;
      }
      if (m.linkId != null) {
        out.send(m.linkId, line);
        return;
      }
      Member relay = table.relayFor(memberId);
      if (relay != null) {
        out.send(relay.linkId, PeerMessages.relay(memberId, table.self, line));
      }
    }
  }
}
