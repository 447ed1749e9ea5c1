package io.activitystreamer.state;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.util.Backoff;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
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
 * @param <R> the adapter's handle of a request to reply to (a bus message; a callback in the tests)
 */
public final class ServerCore<R> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCore.class);

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

  /** A LOGIN as it reached the state: {@code anonymous} is the gateway's reading of the username. */
  private record LoginRequest<R>(R replyTo, String username, boolean anonymous, JsonObject resume,
                                 String connection) {}

  private final Options options;
  private final String selfId;
  private final Effects<R> effects;
  private final ReadyLoop<R> loop;
  private final StateCore state;
  private final MeshCore mesh;
  private final PendingLogins<LoginRequest<R>> pendingLogins = new PendingLogins<>();
  private final AnonymousResumes anonymousResumes = new AnonymousResumes();
  /** Connections logged in here (a redirected one leaves it at its freeze): the balancer's load. */
  private int load;
  /** Redirects begun here (freezes), published with the members so the balancer knows its picks took effect. */
  private long redirectsBegun;
  private int selfPort;
  private long lastStateTick;
  private final Backoff joinBackoff = new Backoff(200, 5000);
  private int joinAttempts;
  /** When to dial the seed again after a failed join attempt (0: not waiting), and where. */
  private long joinRetryAt;
  private String joinHost;
  private int joinPort;
  private boolean joinAnnounced;
  /** What the previous incarnation handed on, adopted once joined (null: nothing). */
  private JsonObject carryOver;
  /** Set once this incarnation was declared dead: it accepts nothing more (its state is handed on). */
  private boolean leaving;

  public ServerCore(String selfId, String name, Options options, JsonObject carryOver, Effects<R> effects, long now) {
    this.options = options;
    this.selfId = selfId;
    this.effects = effects;
    this.carryOver = carryOver;
    this.selfPort = options.port();
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
        ServerCore.this.membersChanged();
      }

      @Override
      public void inTransit(String target) {
        effects.inTransit(target);
      }

      @Override
      public void rejoin(String hostname, int port) {
        leave(hostname, port);
      }

      @Override
      public void pending() {
        effects.pending();
      }
    });
    this.state = new StateCore(selfId, options.state(), loop);
    this.mesh = new MeshCore(selfId, name, options.hostname(), options.port(), options.mesh(), state, loop);
    loop.replicateTo(mesh);
    loop.appliedPositions(state::appliedPositions);
    mesh.loadSupplier(() -> load);
    mesh.httpPort(options.httpPort());
    mesh.tlsPort(options.tlsPort());
  }

  public ReadyLoop<R> loop() { return loop; }
  public StateCore state() { return state; }
  public MeshCore mesh() { return mesh; }
  public int load() { return load; }
  public int selfPort() { return selfPort; }
  public int pendingLogins() { return pendingLogins.size(); }

  /** The join is complete: the mesh is joined and what the previous incarnation handed on adopted. */
  public boolean joined() { return joinAnnounced; }

  // ---- the mesh: start, join, ticks ----

  /** The port peers dial and clients are redirected to (a test proxy's, or the one listened on). */
  public void listeningOn(int port) {
    selfPort = port;
    mesh.listeningOn(port);
  }

  /** A new mesh of one (no seed), or one started with recovered state when its seed did not answer. */
  public void startAlone() {
    mesh.startAlone();
    announceJoined();
  }

  /** Joins through the seed at {@code hostname:port} (retried with backoff until it answers). */
  public void joinVia(String hostname, int port) {
    joinHost = hostname;
    joinPort = port;
    effects.connect(hostname, port, true);
  }

  public void connectFailed(String hostname, int port, long now) {
    if (mesh.joined()) {
      mesh.onConnectFailed(hostname, port, now);
      return;
    }
    joinAttempts++;
    joinHost = hostname;
    joinPort = port;
    long delay = joinBackoff.next();
    joinRetryAt = now + delay;
    LOG.warn("[{}] join attempt {} through {}:{} failed; retrying in {} ms", selfId, joinAttempts, hostname, port,
        delay);
  }

  /**
   * Periodic (every 50 ms in production): the join's retry, the mesh's tick, waiting logins, and every
   * {@code checkpointIntervalMillis} the state's. Returns true when the state ticked (the adapter may
   * snapshot then).
   */
  public boolean tick(long now) {
    if (!mesh.joined()) {
      if (joinRetryAt > 0 && now >= joinRetryAt) {
        joinRetryAt = 0;
        effects.connect(joinHost, joinPort, true);
      }
      return false;
    }
    announceJoined();
    mesh.tick(now);
    pendingLogins.retry(state, mesh, now, w -> completeLogin(w, now));
    if (now - lastStateTick < options.state().checkpointIntervalMillis()) {
      return false;
    }
    lastStateTick = now;
    state.tick(now);
    return true;
  }

  private void announceJoined() {
    if (joinAnnounced || !mesh.joined()) {
      return;
    }
    joinAnnounced = true;
    if (carryOver != null) {
      adopt(carryOver);
      carryOver = null;
    }
    effects.joined();
    membersChanged();
  }

  /** Applies and passes on what a previous incarnation or the data directory knew that the mesh lacks. */
  public void adopt(JsonObject carry) {
    List<Event> carried = new ArrayList<>();
    carry.getJsonArray("events", new JsonArray()).forEach(e -> carried.add(Event.fromJson((JsonObject) e)));
    mesh.adoptCarriedEvents(carried);
    List<UserRecord> known = new ArrayList<>();
    carry.getJsonArray("users", new JsonArray()).forEach(u -> known.add(UserRecord.fromJson((JsonObject) u)));
    state.reassert(known);
  }

  /**
   * Every user this core knows and retained events ({@code ownOnly}: its own, what a next incarnation
   * carries in; else all, what recovered state carries into the mesh it joins): {@code {users, events}}.
   */
  public JsonObject carryOver(boolean ownOnly) {
    JsonArray u = new JsonArray();
    state.users().forEach(r -> u.add(r.toJson()));
    JsonArray e = new JsonArray();
    (ownOnly ? mesh.ownRetainedEvents() : mesh.retainedEvents()).forEach(ev -> e.add(ev.toJson()));
    return new JsonObject().put("users", u).put("events", e);
  }

  /**
   * Declared dead: the next incarnation gets every user this one knew and its own events still kept
   * (accepted on this side of a partition, say), taken now, in the same input in which the server stops
   * accepting: an activity accepted and echoed after this point would be lost with the old state, so
   * none is.
   */
  private void leave(String hostname, int port) {
    if (leaving) {
      return;
    }
    leaving = true;
    effects.rejoin(hostname, port, carryOver(true));
  }

  // ---- client requests ----

  /** REGISTER: replied (once the peers have USER_REGISTERED) or refused when the mesh agreed. */
  public void register(R request, String username, String salt, String hash, int iterations, long now) {
    if (leaving) {
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
    if (leaving) {
      return; // the connection closes with this incarnation; the client logs in again elsewhere
    }
    LoginRequest<R> w = new LoginRequest<>(request, username, anonymous, resume, connection);
    boolean sync = !anonymous || StateCore.presentsToken(resume);
    if (!sync || pendingLogins.readyOrWait(state, mesh, w, username, resume, connection, now)) {
      completeLogin(w, now);
    }
  }

  /** The connection of a waiting LOGIN closed: it is dropped (see {@link PendingLogins#cancel}). */
  public void cancelLogin(String connection) {
    pendingLogins.cancel(connection).forEach(w -> effects.fail(w.replyTo(), BusError.UNAVAILABLE,
        "connection closed"));
  }

  private void completeLogin(LoginRequest<R> w, long now) {
    load++;
    LoginResult result;
    if (w.anonymous()) {
      String id = "anonymous:" + selfId + "/" + w.connection();
      JsonObject resume = w.resume();
      LoginResult moved = resume == null ? null : state.resumeAnonymous(id, resume, now);
      result = (moved != null ? moved : new LoginResult(id, false, List.of(), 0, 0, List.of(), false))
          .withMembers(memberAddresses(false), memberAddresses(true));
      if (resume != null) {
        anonymousResumes.loggedIn(id, state.applied().copy(), result.lastSeq());
      }
    } else {
      result = state.login(w.username(), w.resume(), now).withMembers(memberAddresses(false), memberAddresses(true));
      if (LOG.isDebugEnabled()) {
        SessionRecord s = state.sessions().get(result.sessionId());
        LOG.debug("[{}] LOGIN {}: session {} {}, backlog {}, delivered {}, applied {}", selfId, w.username(),
            result.sessionId(), result.resumed() ? "resumed" : "new", result.backlog().size(),
            s == null ? null : s.delivered(), state.applied());
      }
    }
    membersChanged();
    // once the peers have SESSION_OPENED / ATTACHED; after the batches of activities in its backlog, before
    // later ones (the gateway knows the connection is logged in before it sees them)
    loop.reply(w.replyTo(), result);
  }

  /** host:port of this server and every linked member; {@code tls}: host:tlsPort of those that have one. */
  private List<String> memberAddresses(boolean tls) {
    List<String> out = new ArrayList<>();
    if (!tls || options.tlsPort() > 0) {
      out.add(options.hostname() + ":" + (tls ? options.tlsPort() : selfPort));
    }
    mesh.members().values().forEach(mm -> {
      if (mm.linked() && (!tls || mm.tlsPort() > 0)) {
        out.add(mm.hostname() + ":" + (tls ? mm.tlsPort() : mm.port()));
      }
    });
    return out;
  }

  /** An activity of a logged-in connection; false if not accepted (a resend, or this incarnation is leaving). */
  public boolean activity(ActivityIn in, long now) {
    if (leaving) {
      return false; // declared dead: what would be accepted now could not be carried over (see leave)
    }
    String session = in.sessionId();
    AnonymousResumes.Client a = anonymousResumes.get(session);
    if (a != null) {
      a.lastSeq = Math.max(a.lastSeq, in.clientSeq());
      if (a.moving != null) {
        session = a.moving; // sent while its REDIRECT was on its way: the moving session's own
      }
    }
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
    JsonObject answer = new JsonObject();
    AnonymousResumes.Client a = anonymousResumes.get(session);
    if (a == null || a.moving != null) {
      state.freeze(session, now);
    } else {
      String token = state.newToken();
      long ttl = options.redirectTokenMillis();
      a.moving = state.park(token, a.start, a.lastSeq, now + ttl, now);
      answer.put(Fields.RESUME, new JsonObject().put(Fields.TOKEN, token).put(Fields.EXPIRES_IN_MILLIS, ttl));
    }
    load = Math.max(0, load - 1); // it is leaving: the balancer counts it at its target from now on
    redirectsBegun++;
    membersChanged();
    if (target != null) {
      mesh.announceRedirect(target.getString(Fields.HOSTNAME), target.getInteger(Fields.PORT), now);
    }
    loop.reply(request, answer);
  }

  /**
   * The connection of {@code session} ended at {@code since}. {@code frozen}: it was redirected (it left
   * the load at the freeze). {@code exact}: it read everything written to it; {@code read} (or null): the
   * positions it provably read through. An anonymous one ends here, or detaches its moving session.
   */
  public void detach(String session, boolean anonymous, boolean frozen, long since, boolean exact, Vector read) {
    if (!frozen) {
      load = Math.max(0, load - 1);
    }
    if (!anonymous) {
      state.detach(session, since, exact, read);
    } else {
      AnonymousResumes.Client a = anonymousResumes.remove(session);
      state.anonymousEnded(session);
      if (a != null && a.moving != null) {
        state.detach(a.moving, since, exact, null);
      }
    }
    membersChanged();
  }

  /** LOGOUT: the session ends everywhere. */
  public void logout(String session) {
    load = Math.max(0, load - 1);
    state.logout(session);
    membersChanged();
  }

  /** This server and its linked members, with their loads (the balancer's input). */
  private void membersChanged() {
    JsonArray live = new JsonArray().add(new JsonObject().put("id", selfId)
        .put("hostname", options.hostname()).put("port", selfPort).put("tlsPort", options.tlsPort())
        .put("load", load).put("httpPort", options.httpPort()));
    mesh.members().values().forEach(mm -> {
      if (mm.linked()) {
        live.add(new JsonObject().put("id", mm.id()).put("hostname", mm.hostname()).put("port", mm.port())
            .put("tlsPort", mm.tlsPort()).put("load", mm.load()).put("httpPort", mm.httpPort()));
      }
    });
    effects.members(new JsonObject().put("self", selfId).put("members", live).put("redirectsBegun", redirectsBegun));
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
    return mesh.view().put("users", state.userCount()).put("sessions", state.sessions().size())
        .put("sessionsHere", attachedHere).put("sessionsDetached", detached).put("load", load)
        .put("backlogEntries", state.logSize()).put("backlogBytes", state.logBytes())
        .put("backlogDropped", state.droppedTotal())
        .put("retainedEvents", mesh.retainedCount()).put("retainedDropped", mesh.retainedDropped())
        .put("pendingEvents", mesh.pendingCount())
        .put("pendingLogins", pendingLogins.size())
        .put("positions", new JsonObject(new java.util.HashMap<>(mesh.positions())))
        .put("applied", state.applied().toJson());
  }
}
