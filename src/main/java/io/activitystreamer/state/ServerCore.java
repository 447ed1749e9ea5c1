package io.activitystreamer.state;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every decision of one server, plain and single-threaded: no Vert.x, no clock (each input brings
 * {@code now}), no socket. It owns the replicated state ({@link StateCore}), the mesh ({@link MeshCore})
 * and their outbox ({@link ReadyLoop}), and the glue between them and the clients: logins that wait
 * for the login sync, the join and its backoff, the load the balancer sees, redirects (the freeze, the
 * anonymous resume tokens), detaches, and the hand-over to the next incarnation when this one is
 * declared dead. Inputs are the methods below; what they decide comes out of {@link #loop()} as
 * {@link Ready}s, which the adapter carries out in their order (docs/ARCHITECTURE.md, "the Ready loop"),
 * and as {@link Effects} for what is not ordered behind the links. StateVerticle is its adapter on the
 * state's event loop; the tests' InMemoryMesh drives N of them.
 *
 * <p>A facade: it owns the collaborators and hands each input to the one it concerns. The
 * {@link Incarnation} (the join and its backoff, the carry-over in, the hand-over out when declared
 * dead), {@link Logins} (the login sync, waiting and cancelled LOGINs, the session a LOGIN gets),
 * {@link MemberList} (the load, the redirects begun, the member list the balancer gets and the
 * addresses a LOGIN reply lists) and {@link Redirects} (the freeze, the anonymous REDIRECT tokens and
 * the moves they begin). The tick's schedule is its own: the join's retry, the mesh, waiting logins,
 * and every {@code checkpointIntervalMillis} the state.
 *
 * @param <R> the adapter's handle of a request to reply to (a bus message; a callback in the tests)
 */
public final class ServerCore<R> {
  /** The one logger of the server core and its collaborators (their lines read as before the split). */
  static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);

  /** What the adapter does at once (not ordered behind the links, unlike a {@link Ready}'s outputs). */
  public interface Effects<R> {
    /** A Ready is waiting: take it at the end of the input being handled. */
    void pending();

    /** The session's connection here no longer holds it (a takeover elsewhere won): close it. */
    void kick(String sessionId);

    void connect(String hostname, int port, boolean join);

    /** A redirect to {@code target} (host:port) began: the balancer counts it there meanwhile. */
    void inTransit(String target);

    /** This server and its linked members with their loads ({@code {self, members, redirectsBegun}}). */
    void members(JsonObject members);

    /** Declared dead: start the next incarnation through {@code hostname:port}, handing it {@code carryOver}. */
    void rejoin(String hostname, int port, JsonObject carryOver);

    /** The request is refused (not a Ready output: nothing the peers must have first). */
    void fail(R request, BusError error, String message);

    /** The mesh is joined (once per core): requests that waited for it may come in. */
    void joined();
  }

  /** What a core is configured with (from {@link ServerConfig}; the tests build their own). */
  public record Options(String hostname, int port, int httpPort, int tlsPort, long redirectTokenMillis,
                        MeshOptions mesh, StateOptions state) {
    public static Options of(ServerConfig c) {
      return new Options(c.localHostname(), c.localPort(), c.httpPort(), c.tlsPort(), c.redirectTokenMillis(),
          MeshOptions.of(c), StateOptions.of(c));
    }
  }

  private final Options options;
  private final String selfId;
  private final Effects<R> effects;
  private final ReadyLoop<R> loop;
  private final StateCore state;
  private final MeshCore mesh;
  private final MemberList members;
  private final Incarnation incarnation;
  private final Logins<R> logins;
  private final Redirects redirects;
  private long lastStateTick;

  public ServerCore(String selfId, String name, Options options, JsonObject carryOver, Effects<R> effects, long now) {
    this.options = options;
    this.selfId = selfId;
    this.effects = effects;
    this.lastStateTick = now;
    this.loop = new ReadyLoop<>(new ReadyLoop.Direct() {
      @Override
      public void kick(String sessionId) {
        effects.kick(sessionId);
      }

      @Override
      public void connect(String hostname, int port, boolean join) {
        effects.connect(hostname, port, join);
      }

      @Override
      public void membersChanged() {
        members.changed();
      }

      @Override
      public void inTransit(String target) {
        effects.inTransit(target);
      }

      @Override
      public void rejoin(String hostname, int port) {
        incarnation.leave(hostname, port);
      }

      @Override
      public void pending() {
        effects.pending();
      }
    });
    this.state = new StateCore(selfId, options.state(), loop);
    this.mesh = new MeshCore(selfId, name, options.hostname(), options.port(), options.mesh(), state, loop);
    this.members = new MemberList(selfId, options, mesh, effects);
    this.incarnation = new Incarnation(selfId, state, mesh, carryOver, effects, members::changed);
    AnonymousResumes anonymousResumes = new AnonymousResumes();
    this.logins = new Logins<>(selfId, state, mesh, loop, effects, members, anonymousResumes);
    this.redirects = new Redirects(options, state, mesh, members, anonymousResumes);
    loop.replicateTo(mesh);
    loop.appliedPositions(state::appliedPositions);
    mesh.loadSupplier(members::load);
    mesh.httpPort(options.httpPort());
    mesh.tlsPort(options.tlsPort());
  }

  public ReadyLoop<R> loop() { return loop; }
  public StateCore state() { return state; }
  public MeshCore mesh() { return mesh; }
  public int load() { return members.load(); }
  public int selfPort() { return members.selfPort(); }
  public int pendingLogins() { return logins.pending(); }

  /** The join is complete: the mesh is joined and what the previous incarnation handed on adopted. */
  public boolean joined() { return incarnation.joined(); }

  // ---- the mesh: start, join, ticks ----

  /** The port peers dial and clients are redirected to (a test proxy's, or the one listened on). */
  public void listeningOn(int port) {
    members.listeningOn(port);
    mesh.listeningOn(port);
  }

  /** A new mesh of one (no seed), or one started with recovered state when its seed did not answer. */
  public void startAlone() { incarnation.startAlone(); }

  /** Joins through the seed at {@code hostname:port} (retried with backoff until it answers). */
  public void joinVia(String hostname, int port) { incarnation.joinVia(hostname, port); }

  public void connectFailed(String hostname, int port, long now) { incarnation.connectFailed(hostname, port, now); }

  /**
   * Periodic (every 50 ms in production): the join's retry, the mesh's tick, waiting logins, and every
   * {@code checkpointIntervalMillis} the state's. Returns true when the state ticked (the adapter may
   * snapshot then).
   */
  public boolean tick(long now) {
    if (!incarnation.tick(now)) {
      return false;
    }
    mesh.tick(now);
    logins.retry(now);
    if (now - lastStateTick < options.state().checkpointIntervalMillis()) {
      return false;
    }
    lastStateTick = now;
    state.tick(now);
    return true;
  }

  /**
   * One message from an authenticated link ({@link MeshCore#onPeerMessage}); waiting LOGINs are retried
   * after it, as it may be the login sync's answer or the events they wait for.
   */
  public void peerMessage(String linkId, JsonObject msg, long now) {
    mesh.onPeerMessage(linkId, msg, now);
    if (logins.pending() > 0) {
      logins.retry(now);
    }
  }

  /** Applies and passes on what a previous incarnation or the data directory knew that the mesh lacks. */
  public void adopt(JsonObject carry) { incarnation.adopt(carry); }

  /**
   * Every user this core knows and retained events ({@code ownOnly}: its own, what a next incarnation
   * carries in; else all, what recovered state carries into the mesh it joins): {@code {users, events}}.
   */
  public JsonObject carryOver(boolean ownOnly) { return incarnation.carryOver(ownOnly); }

  // ---- client requests ----

  /** REGISTER: replied (once the peers have USER_REGISTERED) or refused when the mesh agreed. */
  public void register(R request, String username, String salt, String hash, int iterations, long now) {
    if (incarnation.leaving()) {
      return; // as login
    }
    mesh.register(username, salt, hash, iterations, now, ok -> {
      if (ok) {
        loop.reply(request, new JsonObject());
      } else {
        effects.fail(request, BusError.ALREADY_REGISTERED, "already registered");
      }
    });
  }

  /**
   * LOGIN. A named one that would take over a session attached to another server waits until this
   * server has that server's events up to the session's detach (the other server is linked: the detach
   * is on its way), or has every event of it that reachable members have (it is unreachable: their
   * digests show it), at most {@link LoginSync#MAX_MILLIS}; an anonymous one waits only when it presents
   * a REDIRECT token (for the move's detach). Then the session continues exactly where it stopped; the
   * reply is released once the peers have its event. Waiting logins are retried on every tick.
   */
  public void login(R request, String username, boolean anonymous, JsonObject resume, String connection, long now) {
    if (incarnation.leaving()) {
      return; // the connection closes with this incarnation; the client logs in again elsewhere
    }
    logins.login(request, username, anonymous, resume, connection, now);
  }

  /** The connection of a waiting LOGIN closed: it is dropped (see {@link PendingLogins#cancel}). */
  public void cancelLogin(String connection) { logins.cancel(connection); }

  /** An activity of a logged-in connection; false if not accepted (a resend, or this incarnation is leaving). */
  public boolean activity(ActivityIn in, long now) {
    if (incarnation.leaving()) {
      return false; // declared dead: what would be accepted now could not be carried over (see Incarnation.leave)
    }
    String session = redirects.sessionOf(in.sessionId(), in.clientSeq());
    // accepting applies it here at once: its delivery is timed from when the gateway accepted it
    loop.accepting(in.acceptedNanos());
    try {
      return state.accept(session, in.activity().getString(Fields.AUTHENTICATED_USER), in.activity(),
          in.clientSeq(), in.connection(), now);
    } finally {
      loop.accepting(0);
    }
  }

  /**
   * A redirect of {@code session} to {@code target} ({hostname, port}, or null) begins: what it has been
   * written is fixed now; the reply (released after the batches before it, and the moving session's
   * SESSION_OPENED) is empty, or, for an anonymous resume client, {@code {resume: {token,
   * expiresInMillis}}} for its REDIRECT: its position became a moving session of the mesh.
   */
  public void freeze(R request, String session, JsonObject target, long now) {
    loop.reply(request, redirects.freeze(session, target, now));
  }

  /**
   * The connection of {@code session} ended at {@code since}. {@code frozen}: it was redirected (it left
   * the load at the freeze). {@code exact}: it read everything written to it; {@code read} (or null): the
   * positions it provably read through. An anonymous one ends here, or detaches its moving session.
   */
  public void detach(String session, boolean anonymous, boolean frozen, long since, boolean exact, Vector read) {
    if (!frozen) {
      members.left();
    }
    if (!anonymous) {
      state.detach(session, since, exact, read);
    } else {
      redirects.anonymousEnded(session, since, exact);
    }
    members.changed();
  }

  /** LOGOUT: the session ends everywhere. */
  public void logout(String session) {
    members.left();
    state.logout(session);
    members.changed();
  }

  /** The view and the state's counters, for /api/mesh and the metrics. */
  public JsonObject info() {
    int attachedHere = 0;
    int detached = 0;
    for (SessionRecord s : state.sessions().values()) {
      if (selfId.equals(s.host())) {
        attachedHere++;
      } else if (s.host() == null) {
        detached++;
      }
    }
    return mesh.view().put(Fields.USERS, state.userCount()).put(Fields.SESSIONS, state.sessions().size())
        .put(Fields.SESSIONS_HERE, attachedHere).put(Fields.SESSIONS_DETACHED, detached)
        .put(Fields.LOAD, members.load())
        .put(Fields.BACKLOG_ENTRIES, state.logSize()).put(Fields.BACKLOG_BYTES, state.logBytes())
        .put(Fields.BACKLOG_DROPPED, state.droppedTotal())
        .put(Fields.RETAINED_EVENTS, mesh.retainedCount()).put(Fields.RETAINED_DROPPED, mesh.retainedDropped())
        .put(Fields.PENDING_EVENTS, mesh.pendingCount())
        .put(Fields.PENDING_LOGINS, logins.pending())
        .put(Fields.POSITIONS, new JsonObject(new HashMap<>(mesh.positions())))
        .put(Fields.APPLIED, state.applied().toJson());
  }
}
