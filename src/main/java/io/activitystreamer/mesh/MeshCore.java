package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.replication.Replicator;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership, failure detection, replication and name agreement of one server. Pure and
 * single-threaded: its ServerCore (fed by StateVerticle) hands it link events, peer messages and ticks with the time; it acts
 * through a {@link MeshOutbox}. See docs/mesh.md for the protocol.
 *
 * <p>A facade: it owns the collaborators and hands each input to the one it concerns. The
 * {@link MemberTable} (identity, members, links, the dead), {@link Membership} (learn, merge, announce,
 * view), {@link Links} (a link up), {@link FailureDetector} (a link down, suspicion, verdicts, rejoin),
 * {@link AntiEntropy} (events, digests, retention, with {@link Replicator} and {@link Acks}),
 * {@link NameAgreement} (REGISTER, LOCK_* and their relay, with {@link Registrar}), {@link CatchUp}
 * (what a LOGIN waits for) and {@link Snapshots} (join snapshot, recovery, journal).
 */
public final class MeshCore {
  /** The one logger of the mesh core and its collaborators (their lines read as before the split). */
  static final Logger LOG = LoggerFactory.getLogger(MeshCore.class);

  private final MemberTable table;
  private final MeshOptions opts;
  private final ReplicatedState state;
  private final Replicator replicator;
  private final Acks acks = new Acks();
  private final NameAgreement names;
  private final Snapshots snapshots;
  private final CatchUp catchUp;
  private final FailureDetector detector;
  private final Membership membership;
  private final AntiEntropy antiEntropy;
  private final Links links;

  public MeshCore(String self, String name, String hostname, int port, MeshOptions opts, ReplicatedState state,
                  MeshOutbox out) {
    this.table = new MemberTable(self, name, hostname, port, opts, out);
    this.opts = opts;
    this.state = state;
    this.names = new NameAgreement(table, state, out);
    this.replicator = new Replicator(new Replicator.Applier() {
      @Override
      public boolean ready(Event e) {
        return state.ready(e);
      }

      @Override
      public void apply(Event e) {
        state.apply(e);
        if (e.type() == Event.Type.USER_REGISTERED) {
          names.registrar.onRegistered(e.body().getString(Fields.USERNAME));
        }
        snapshots.applied(e);
      }
    });
    this.snapshots = new Snapshots(table, state, replicator);
    this.catchUp = new CatchUp(table, acks, replicator);
    this.detector = new FailureDetector(table, opts, out, acks, names.registrar);
    this.membership = new Membership(table, opts, out, detector);
    this.antiEntropy = new AntiEntropy(table, opts, out, replicator, acks, detector);
    this.links = new Links(table, out, membership, detector, snapshots, acks, replicator, names.registrar);
    state.hostLiveness(table::holdsSessions);
  }

  /** The client port, known once the gateway listens (it may have been configured as 0). */
  public void listeningOn(int port) { table.port = port; }

  /** The HTTP port (web client, SockJS) this server announces; 0 = HTTP off. */
  public void httpPort(int httpPort) { table.httpPort = httpPort; }

  /** The TLS port this server announces (members dial it there when meshTls is on); 0 = none. */
  public void tlsPort(int tlsPort) { table.tlsPort = tlsPort; }

  public void loadSupplier(IntSupplier load) { table.load = load; }

  public String self() { return table.self; }

  public boolean joined() { return table.joined; }

  /** A server with no seed is a mesh of one, joined at once. */
  public void startAlone() { table.joined = true; }

  /**
   * Started alone (with recovered state) because the seed did not answer: the seed is dialled now and
   * then until some link is up, so the two meshes merge as after a partition.
   */
  public void dialSeed(String hostname, int port) { detector.dialSeed(hostname, port); }

  public Map<String, Member> members() { return table.members; }

  public Map<String, Long> positions() { return replicator.positions(); }

  public int retainedCount() { return replicator.retainedCount(); }

  public int pendingCount() { return replicator.pendingCount(); }

  /** Retained events dropped by the byte bound since start. */
  public long retainedDropped() { return antiEntropy.retainedDropped(); }

  /** True while this server has a link to that member (its events arrive directly, in order). */
  public boolean linkedTo(String memberId) { return table.isLinked(memberId); }

  /**
   * True when this server holds every event of {@code origin} that the members it can reach hold, as
   * their digests received since {@code since} show. Used before a LOGIN takes over a session whose
   * server is unreachable: the session's last activities and detach must be here first (G4, exactly
   * once for resume clients).
   */
  public boolean caughtUpWith(String origin, long since) { return catchUp.caughtUpWith(origin, since, false); }

  /**
   * False while this server may lack events of a live member it cannot hear from (members it reaches
   * hold more of it, or cannot tell yet). A LOGIN waits then: that member may hold a session of the user
   * this server has not even heard of, whose last activities the new session must follow (G4).
   */
  public boolean caughtUpWithUnreachable(long since) { return catchUp.caughtUpWithUnreachable(since); }

  /**
   * True once every linked member answered a login sync asked at or after {@code since} and its own
   * events up to the answer are applied here ({@link #askSync}). A named LOGIN waits for it: a session of
   * the user on a linked member may not have reached this server yet (G4 for a sender that moved).
   */
  public boolean syncedWithLinked(long since) { return catchUp.syncedWithLinked(since); }

  /** Asks every linked member for a digest at once (MESH_DIGEST {@code sync}); once per {@code now}. */
  public void askSync(long now) { antiEntropy.askSync(now); }

  /** The state emitted an event: record it and send it once to every linked member. */
  public void onLocalEvent(Event e) {
    replicator.recordLocal(e);
    snapshots.applied(e);
    antiEntropy.sendLocal(e);
  }

  /** REGISTER with a hashed secret; {@code done} gets true when the mesh agreed and the user exists. */
  public void register(String username, String salt, String hash, int iterations, long now,
                       Consumer<Boolean> done) {
    names.register(username, salt, hash, iterations, now, done);
  }

  /**
   * A link authenticated. {@code hello} is the peer's AUTHENTICATE (inbound) or MESH_WELCOME (outbound):
   * {id, name, hostname, port, join?, members?, snapshot?}.
   */
  public void onLinkUp(String linkId, boolean initiatedBySelf, JsonObject hello, long now) {
    links.onLinkUp(linkId, initiatedBySelf, hello, now);
  }

  public void onLinkDown(String linkId, long now) { detector.onLinkDown(linkId, now); }

  /** An outbound connection attempt failed (refused, timed out, or authentication refused). */
  public void onConnectFailed(String hostname, int port, long now) { detector.onConnectFailed(hostname, port, now); }

  /** One message from an authenticated link. Unknown or malformed messages close the link. */
  public void onPeerMessage(String linkId, JsonObject msg, long now) {
    String from = table.linkMember.get(linkId);
    if (from == null) {
      detector.onUnlinkedMessage(msg);
      return;
    }
    if (!table.joined) {
      return; // declared dead and leaving: nothing more is applied or agreed (the next incarnation rejoins)
    }
    Member m = table.get(from);
    if (m != null) {
      m.lastHeard = now;
    }
    Command c = Command.of(msg.getString(Fields.COMMAND));
    switch (c) {
      case SERVER_ANNOUNCE -> membership.onAnnounce(m, msg, now);
      case MESH_EVENT -> replicator.receive(Event.fromJson(msg.getJsonObject(Fields.EVENT)));
      case MESH_DIGEST -> antiEntropy.onDigest(from, m, msg, now);
      case MEMBER_DEAD -> detector.onMemberDead(msg.getString(Fields.ID), now, linkId);
      case LOCK_REQUEST, LOCK_ALLOWED, LOCK_DENIED, LOCK_RELEASE -> names.onLock(from, c, msg);
      case MESH_RELAY -> names.onRelay(from, msg);
      case MESH_WELCOME -> { }
      case ACTIVITY_BROADCAST -> onForeignBroadcast(from, msg, now);
      default -> LOG.warn("[{}] ignoring {} from {}", table.self, c, from);
    }
  }

  /**
   * A classic server (authenticated with the mesh secret, speaking the classic server protocol) relays
   * an activity: it becomes an activity of this server, delivered here and replicated to the mesh. Our
   * own peers never send ACTIVITY_BROADCAST.
   */
  private void onForeignBroadcast(String from, JsonObject msg, long now) {
    Object activity = msg.getValue(Fields.ACTIVITY);
    if (activity instanceof JsonObject a) {
      state.accept(null, a.getString(Fields.AUTHENTICATED_USER), a, -1, null, now);
    } else {
      LOG.warn("[{}] ACTIVITY_BROADCAST without an activity object from {}", table.self, from);
    }
  }

  /** Periodic: reconnects and suspicion, then announces, then digests (with lock retries and pruning). */
  public void tick(long now) {
    if (!table.joined) {
      return;
    }
    detector.tick(now);
    if (table.announceDue(now)) {
      table.announce(now, null);
    }
    if (antiEntropy.digestTick(now)) {
      names.tick(now, opts.suspicionMillis());
      antiEntropy.pruneRetained(now);
    }
  }

  /** This server's own events still kept: what a next incarnation carries over after a partition. */
  public List<Event> ownRetainedEvents() { return replicator.since(table.self, 0); }

  /**
   * After rejoining as a new incarnation: the previous incarnation's events that the mesh has not got
   * (accepted on this side of a partition) are applied here and sent to every member, as late events of
   * that (dead) origin, so nothing accepted during the partition is lost.
   */
  public void adoptCarriedEvents(List<Event> carried) { antiEntropy.adoptCarriedEvents(carried); }

  /**
   * A redirect of one of our clients to {@code hostname:port} begins (our load already counts it gone):
   * announce at once, naming the target, so every member's balancer sees our load as it is and counts the
   * client at its target while it moves, before it logs in there. Without it a target judged by our last
   * periodic announcement (a burst ago) sent the client straight back.
   */
  public void announceRedirect(String hostname, int port, long now) {
    table.announce(now, new JsonObject().put(Fields.HOSTNAME, hostname).put(Fields.PORT, port));
  }

  /** Sees every event applied here (local or replicated, in apply order) and every installed snapshot. */
  public interface Journal {
    void applied(Event e);

    /** A join snapshot replaced the state: what was applied before no longer counts. */
    void installed();
  }

  public void journal(Journal journal) { snapshots.journal(journal); }

  /**
   * Rebuilds the state a store holds: its last {@link #snapshot} (may be null), then the events applied
   * after it, through the same code that applied them (events the snapshot covers are skipped by their
   * positions). Not joined afterwards: {@link #startAlone} or a join follows.
   */
  public void recover(JsonObject snapshot, List<Event> events) {
    snapshots.recover(snapshot, events);
    recoveredOrigins(replicator.positions().keySet());
  }

  /**
   * Origins known from a data directory (other servers' incarnations before a restart): a LOGIN taking
   * over a session attached to one waits (at most the login sync) until a new incarnation of its server
   * is linked and has passed on what its disk held (see caughtUpWith).
   */
  public void recoveredOrigins(Collection<String> origins) { catchUp.recoveredOrigins(origins); }

  /** Every retained event (all origins, per origin oldest first): what a recovered server carries into a mesh. */
  public List<Event> retainedEvents() { return replicator.retainedEvents(); }

  /** The join snapshot: state, replication positions and retained events (also what the store writes). */
  public JsonObject snapshot() { return snapshots.snapshot(); }

  /** The mesh view for /api/mesh and the balancer. */
  public JsonObject view() { return membership.view(); }
}
