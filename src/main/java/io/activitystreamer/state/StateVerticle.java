package io.activitystreamer.state;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.Line;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.bus.PeerIn;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.replication.Event;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.store.Store;
import io.activitystreamer.util.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts the replicated state ({@link StateCore}) and the mesh logic ({@link MeshCore}) on one event
 * loop, so a snapshot is always consistent. Turns bus requests from the gateway and link events from
 * the mesh into calls on the cores, and their effects back into bus messages: the cores' outbox is a
 * {@link ReadyLoop}, whose {@link Ready}s this verticle carries out in their order (persisted, lines to
 * the links, markers, then deliveries and replies; see {@link #carry}). Requests that arrive before
 * this server has joined the mesh wait until it has.
 */
public final class StateVerticle extends VerticleBase implements ReadyLoop.Direct {
  private static final Logger LOG = LoggerFactory.getLogger(StateVerticle.class);
  private static final long TICK_MILLIS = 50;

  private final ServerConfig config;
  private final String selfId;
  private final String name;
  private StateCore state;
  private MeshCore mesh;
  /** The cores' outbox: what they decide comes out as Readys, carried out by {@link #carry}. */
  private final ReadyLoop<Message<?>> loop = new ReadyLoop<>(this);
  private int load;
  /** Redirects begun here (freezes), published with the members so the balancer knows its picks took effect. */
  private long redirectsBegun;
  private int selfPort;
  private long lastStateTick;
  private final List<Runnable> waitingForJoin = new ArrayList<>();
  private Promise<Void> joinedPromise;
  private final Backoff joinBackoff = new Backoff(200, 5000);
  private int joinAttempts;

  private final JsonObject carryOver;
  /** The data directory's store, or null (memory only). */
  private final Store store;
  private Store.Recovered recovered;
  /** While joining through -rh with recovered state: the recovered cores, used if no member answers. */
  private StateCore recoveredState;
  private MeshCore recoveredMesh;
  /** The recovered users and retained events, carried into the mesh once its snapshot is installed. */
  private JsonObject recoveredCarry;
  private long joinStartedAt;
  /**
   * How long a server with recovered state tries its seed before it starts the mesh alone (long enough
   * for the servers of a mesh restarted together to find each other: two that started alone merge only
   * as after a partition).
   */
  private static final long RECOVERED_JOIN_WAIT_MILLIS = Long.getLong("streamer.recoveredJoinWaitMillis", 10_000);

  /**
   * {@code carryOver}: what this server's previous incarnation hands on after it was declared dead
   * ({@code {users, events}}: every user it knew, its own events it still kept), or null. {@code store}:
   * the data directory (null: memory only), {@code recovered} what it held at start (null after a rejoin).
   */
  public StateVerticle(ServerConfig config, String selfId, String name, JsonObject carryOver, Store store,
                       Store.Recovered recovered) {
    this.config = config;
    this.selfId = selfId;
    this.name = name;
    this.carryOver = carryOver;
    this.store = store;
    this.recovered = recovered;
  }

  private void buildCores() {
    state = new StateCore(selfId, StateOptions.of(config), loop);
    mesh = new MeshCore(selfId, name, config.localHostname(), config.localPort(), MeshOptions.of(config), state, loop);
    loop.replicateTo(mesh);
    loop.appliedPositions(() -> state.appliedPositions());
    mesh.loadSupplier(() -> load);
    mesh.httpPort(config.httpPort());
    mesh.tlsPort(config.tlsPort());
  }

  @Override
  public Future<?> start() {
    metrics = GatewayMetrics.of(vertx);
    buildCores();
    if (recovered != null && !recovered.empty()) {
      long t0 = System.nanoTime();
      loop.mute(true); // replaying the store: nothing goes out
      mesh.recover(recovered.snapshot(), recovered.journal());
      loop.mute(false);
      LOG.info("[{}] recovered from {} in {} ms: {} users, {} sessions, {} log entries ({} journal events replayed)",
          selfId, store.dir(), (System.nanoTime() - t0) / 1_000_000, state.userCount(), state.sessions().size(),
          state.logSize(), recovered.journal().size());
    } else {
      recovered = null;
    }
    if (store != null) {
      store.attach(context);
    }
    var bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(Addresses.STATE_REGISTER, m -> whenJoined(() -> handleRegister(m)));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOOKUP_USER, m -> whenJoined(() -> handleLookup(m)));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGIN, m -> whenJoined(() -> handleLogin(m)));
    bus.<ActivityIn>localConsumer(Addresses.STATE_ACTIVITY, m -> handleActivity(m.body()));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGIN_CANCEL, m -> cancelLogin(m.body().getString("connection")));
    bus.<JsonObject>localConsumer(Addresses.STATE_FREEZE, m -> {
      // a redirect begins: fix what the session has been written, answer once that is published
      JsonObject answer = freeze(m.body().getString("session"));
      load = Math.max(0, load - 1); // it is leaving: the balancer counts it at its target from now on
      redirectsBegun++;
      membersChanged();
      JsonObject target = m.body().getJsonObject("target");
      if (target != null) {
        mesh.announceRedirect(target.getString("hostname"), target.getInteger("port"), now());
      }
      loop.reply(m, answer); // after the batches before it (and the moving session's SESSION_OPENED)
    });
    bus.<JsonObject>localConsumer(Addresses.STATE_DETACH, m -> handleDetach(m.body()));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGOUT, m -> handleLogout(m.body()));
    bus.<JsonObject>localConsumer(Addresses.STATE_MESH_INFO, m -> m.reply(info()));
    bus.<JsonObject>localConsumer(Addresses.STATE_START_MESH, this::startMesh);
    bus.<PeerIn>localConsumer(Addresses.MESH_LINK_UP, m -> mesh.onLinkUp(m.body().linkId(), m.body().outbound(),
        m.body().msg(), now()));
    bus.<PeerIn>localConsumer(Addresses.MESH_LINK_IN, m -> mesh.onPeerMessage(m.body().linkId(), m.body().msg(),
        now()));
    bus.<String>localConsumer(Addresses.MESH_LINK_DOWN, m -> mesh.onLinkDown(m.body(), now()));
    bus.<JsonObject>localConsumer(Addresses.MESH_CONNECT_FAILED, m -> onConnectFailed(m.body()));
    vertx.setPeriodic(TICK_MILLIS, id -> tick());
    return Future.succeededFuture();
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  /**
   * Fixes what a redirected session has been written. An anonymous resume client's position becomes a
   * moving session of the mesh, and the answer carries the token its next LOGIN presents
   * ({@code {resume: {token, expiresInMillis}}}, added to its REDIRECT); otherwise the answer is empty.
   */
  private JsonObject freeze(String session) {
    AnonymousResumes.Client a = anonymousResumes.get(session);
    if (a == null || a.moving != null) {
      state.freeze(session, now());
      return new JsonObject();
    }
    String token = state.newToken();
    long ttl = config.redirectTokenMillis();
    a.moving = state.park(token, a.start, a.lastSeq, now() + ttl, now());
    return new JsonObject().put(Fields.RESUME, new JsonObject().put(Fields.TOKEN, token)
        .put(Fields.EXPIRES_IN_MILLIS, ttl));
  }

  private final AnonymousResumes anonymousResumes = new AnonymousResumes();

  // ---- mesh start and join ----

  private void startMesh(Message<JsonObject> m) {
    // Test hook: -Dactivitystreamer.advertisedPort=N makes peers dial N (a test TCP proxy in front of
    // this server) instead of the port listened on; clients redirected here also use N.
    selfPort = Integer.getInteger("activitystreamer.advertisedPort", m.body().getInteger("port"));
    mesh.listeningOn(selfPort);
    joinedPromise = Promise.promise();
    joinedPromise.future().onComplete(ar -> m.reply(new JsonObject().put("joined", true)));
    if (recovered != null && !config.remoteHostname().isEmpty()) {
      // join with an empty state as any server; the recovered one is carried in once the mesh's snapshot
      // is installed (or used as it is if no member answers)
      recoveredState = state;
      recoveredMesh = mesh;
      recoveredCarry = carryOf(state.users(), mesh.retainedEvents());
      java.util.Set<String> origins = new java.util.HashSet<>(recoveredMesh.positions().keySet());
      buildCores();
      mesh.recoveredOrigins(origins);
      mesh.listeningOn(selfPort);
      joinStartedAt = now();
    }
    recovered = null;
    journalTo(mesh);
    if (config.remoteHostname().isEmpty()) {
      mesh.startAlone();
      LOG.info("[{}] started a new mesh (no -rh given){}", selfId, store == null ? "" : " with the state of "
          + store.dir());
      onJoined();
    } else {
      LOG.info("[{}] joining the mesh through {}:{}", selfId, config.remoteHostname(), config.remotePort());
      connect(config.remoteHostname(), config.remotePort(), true);
    }
  }

  private void onConnectFailed(JsonObject body) {
    String host = body.getString("hostname");
    int port = body.getInteger("port");
    if (!mesh.joined() && recoveredMesh != null && now() - joinStartedAt >= RECOVERED_JOIN_WAIT_MILLIS) {
      // nobody answers: this server starts the mesh with its recovered state and keeps dialling the seed
      state = recoveredState;
      mesh = recoveredMesh;
      loop.replicateTo(mesh);
      mesh.listeningOn(selfPort);
      recoveredState = null;
      recoveredMesh = null;
      recoveredCarry = null;
      journalTo(mesh);
      mesh.startAlone();
      mesh.dialSeed(host, port);
      LOG.info("[{}] {}:{} did not answer for {} ms: started the mesh with the state of {}", selfId, host, port,
          now() - joinStartedAt, store.dir());
      onJoined();
      return;
    }
    if (!mesh.joined()) {
      joinAttempts++;
      long delay = joinBackoff.next();
      LOG.warn("[{}] join attempt {} through {}:{} failed; retrying in {} ms", selfId, joinAttempts, host, port,
          delay);
      vertx.setTimer(delay, id -> {
        if (!mesh.joined()) {
          connect(host, port, true);
        }
      });
      return;
    }
    mesh.onConnectFailed(host, port, now());
  }

  private void onJoined() {
    if (joinedPromise != null && !joinedPromise.future().isComplete()) {
      joinedPromise.complete();
      if (carryOver != null) {
        adopt(carryOver);
      }
    }
    List<Runnable> run = new ArrayList<>(waitingForJoin);
    waitingForJoin.clear();
    run.forEach(Runnable::run);
    membersChanged();
  }

  /** Applies and passes on what a previous incarnation or the data directory knew that the mesh lacks. */
  private void adopt(JsonObject carry) {
    List<Event> carried = new ArrayList<>();
    carry.getJsonArray("events", new JsonArray()).forEach(e -> carried.add(Event.fromJson((JsonObject) e)));
    mesh.adoptCarriedEvents(carried);
    List<UserRecord> known = new ArrayList<>();
    carry.getJsonArray("users", new JsonArray()).forEach(u -> known.add(UserRecord.fromJson((JsonObject) u)));
    state.reassert(known);
  }

  private static JsonObject carryOf(List<UserRecord> users, List<Event> events) {
    JsonArray u = new JsonArray();
    users.forEach(r -> u.add(r.toJson()));
    JsonArray e = new JsonArray();
    events.forEach(ev -> e.add(ev.toJson()));
    return new JsonObject().put("users", u).put("events", e);
  }

  // ---- the data directory ----

  /**
   * Every event this mesh core applies goes to the store; a join snapshot replaces what it holds (in
   * the same turn, the recovered state the mesh lacks is carried in after it, so none is lost between).
   */
  private void journalTo(MeshCore core) {
    if (store == null) {
      return;
    }
    core.journal(new MeshCore.Journal() {
      @Override
      public void applied(Event e) {
        store.append(e);
      }

      @Override
      public void installed() {
        store.snapshot(core.snapshot());
        if (recoveredCarry != null) {
          JsonObject carry = recoveredCarry;
          recoveredCarry = null;
          recoveredState = null;
          recoveredMesh = null;
          adopt(carry);
        }
      }
    });
  }

  /** Periodic: a snapshot once the journal holds more events than the state has items (amortised O(1)). */
  private void maybeSnapshot() {
    if (store != null && mesh.joined() && !store.snapshotting()
        && store.journalRows() >= Math.max(SNAPSHOT_MIN_EVENTS, snapshotItems)) {
      JsonObject snap = mesh.snapshot();
      JsonObject st = snap.getJsonObject("state");
      snapshotItems = st.getJsonArray("users").size() + st.getJsonArray("sessions").size()
          + st.getJsonObject("log").getJsonArray("entries").size() + snap.getJsonArray("retained").size();
      store.snapshot(snap);
    }
  }

  private static final long SNAPSHOT_MIN_EVENTS = Long.getLong("streamer.snapshotMinEvents", 10_000);
  private long snapshotItems;

  private void whenJoined(Runnable r) {
    if (mesh.joined()) {
      r.run();
    } else {
      waitingForJoin.add(r);
    }
  }

  private void tick() {
    long now = now();
    if (!mesh.joined()) {
      return;
    }
    if (joinedPromise != null && !joinedPromise.future().isComplete()) {
      onJoined();
    }
    mesh.tick(now);
    pendingLogins.retry(state, mesh, now, this::completeLogin);
    if (now - lastStateTick >= config.checkpointIntervalMillis()) {
      lastStateTick = now;
      state.tick(now);
      maybeSnapshot();
    }
  }

  // ---- client requests ----

  private void handleRegister(Message<JsonObject> m) {
    if (leaving) {
      return; // as handleLogin
    }
    if (store != null && store.lastFailure() != null) {
      // a registration could not be kept: refused with the reason rather than left waiting
      m.fail(BusError.UNAVAILABLE.code, "the data directory cannot be written (" + store.lastFailure().getMessage()
          + ")");
      return;
    }
    JsonObject b = m.body();
    mesh.register(b.getString("username"), b.getString("salt"), b.getString("hash"), b.getInteger("iterations"),
        now(), ok -> {
          if (ok) {
            loop.reply(m, new JsonObject()); // once the peers have USER_REGISTERED
          } else {
            m.fail(BusError.ALREADY_REGISTERED.code, "already registered");
          }
        });
  }

  private void handleLookup(Message<JsonObject> m) {
    String username = m.body().getString("username");
    UserRecord u = state.user(username);
    if (u == null) {
      m.fail(BusError.NOT_REGISTERED.code, "not registered");
    } else {
      UserRecord lost = state.lostRegistration(username);
      m.reply(lost == null ? u.toJson() : u.toJson().put("lost", lost.toJson()));
    }
  }

  /**
   * A named LOGIN that would take over a session attached to another server waits until this server
   * has that server's events up to the session's detach (the other server is linked: the detach is on
   * its way), or has every event of it that reachable members have (it is unreachable: their digests
   * show it), at most {@link LoginSync#MAX_MILLIS}. Then the session continues exactly where it
   * stopped. Waiting logins are retried on every tick.
   */
  private void handleLogin(Message<JsonObject> m) {
    if (leaving) {
      return; // the connection closes with this incarnation; the client logs in again elsewhere
    }
    JsonObject b = m.body();
    // an anonymous LOGIN waits only when it presents a REDIRECT token (for the move's detach)
    boolean sync = !b.getBoolean("anonymous") || StateCore.presentsToken(b.getJsonObject("resume"));
    if (sync && !pendingLogins.readyOrWait(state, mesh, m, b.getString("username"),
        b.getJsonObject("resume"), b.getString("connection"), now())) {
      return;
    }
    completeLogin(m);
  }

  private final PendingLogins<Message<JsonObject>> pendingLogins = new PendingLogins<>();

  /** The connection of a waiting LOGIN closed: drop it (see {@link PendingLogins#cancel}). */
  private void cancelLogin(String connection) {
    pendingLogins.cancel(connection).forEach(m -> m.fail(BusError.UNAVAILABLE.code, "connection closed"));
  }

  private void completeLogin(Message<JsonObject> m) {
    JsonObject b = m.body();
    load++;
    LoginResult result;
    if (b.getBoolean("anonymous")) {
      String id = "anonymous:" + selfId + "/" + b.getString("connection");
      JsonObject resume = b.getJsonObject("resume");
      LoginResult moved = resume == null ? null : state.resumeAnonymous(id, resume, now());
      result = (moved != null ? moved : new LoginResult(id, false, List.of(), 0, 0, List.of(), false))
          .withMembers(memberAddresses(false), memberAddresses(true));
      if (resume != null) {
        anonymousResumes.loggedIn(id, state.applied().copy(), result.lastSeq());
      }
    } else {
      result = state.login(b.getString("username"), b.getJsonObject("resume"), now()).withMembers(memberAddresses(false),
          memberAddresses(true));
      if (LOG.isDebugEnabled()) {
        SessionRecord s = state.sessions().get(result.sessionId());
        LOG.debug("[{}] LOGIN {}: session {} {}, backlog {}, delivered {}, applied {}", selfId, b.getString("username"),
            result.sessionId(), result.resumed() ? "resumed" : "new", result.backlog().size(),
            s == null ? null : s.delivered(), state.applied());
      }
    }
    membersChanged();
    // once the peers have SESSION_OPENED / ATTACHED; after the batches of activities in its backlog, before
    // later ones (the gateway knows the connection is logged in before it sees them)
    loop.reply(m, result);
  }

  /** host:port of this server and every linked member; {@code tls}: host:tlsPort of those that have one. */
  private List<String> memberAddresses(boolean tls) {
    List<String> out = new ArrayList<>();
    if (!tls || config.tlsPort() > 0) {
      out.add(config.localHostname() + ":" + (tls ? config.tlsPort() : selfPort));
    }
    mesh.members().values().forEach(mm -> {
      if (mm.linked() && (!tls || mm.tlsPort() > 0)) {
        out.add(mm.hostname() + ":" + (tls ? mm.tlsPort() : mm.port()));
      }
    });
    return out;
  }

  private void handleActivity(ActivityIn in) {
    if (leaving) {
      return; // declared dead: what would be accepted now could not be carried over (see rejoin)
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
      state.accept(session, in.activity().getString(Fields.AUTHENTICATED_USER), in.activity(),
          in.clientSeq(), in.connection(), now());
    } finally {
      loop.accepting(0);
    }
  }

  private void handleDetach(JsonObject b) {
    LOG.debug("[{}] detach {}", selfId, b);
    if (!b.getBoolean("frozen", false)) {
      load = Math.max(0, load - 1); // (a redirected connection left the load at the freeze)
    }
    if (!b.getBoolean("anonymous", false)) {
      JsonObject read = b.getJsonObject("read");
      state.detach(b.getString("session"), b.getLong("since", now()), b.getBoolean("exact", false),
          read == null ? null : Vector.fromJson(read));
    } else {
      AnonymousResumes.Client a = anonymousResumes.remove(b.getString("session"));
      state.anonymousEnded(b.getString("session"));
      if (a != null && a.moving != null) {
        state.detach(a.moving, b.getLong("since", now()), b.getBoolean("exact", false), null);
      }
    }
    membersChanged();
  }

  private void handleLogout(JsonObject b) {
    load = Math.max(0, load - 1);
    state.logout(b.getString("session"));
    membersChanged();
  }

  private JsonObject info() {
    JsonObject view = mesh.view();
    int attachedHere = 0;
    int detached = 0;
    for (SessionRecord s : state.sessions().values()) {
      if (selfId.equals(s.host())) {
        attachedHere++;
      } else if (s.host() == null) {
        detached++;
      }
    }
    return view.put("users", state.userCount()).put("sessions", state.sessions().size())
        .put("sessionsHere", attachedHere).put("sessionsDetached", detached).put("load", load)
        .put("backlogEntries", state.logSize()).put("backlogBytes", state.logBytes())
        .put("backlogDropped", state.droppedTotal())
        .put("retainedEvents", mesh.retainedCount()).put("retainedDropped", mesh.retainedDropped())
        .put("pendingEvents", mesh.pendingCount())
        .put("pendingLogins", pendingLogins.size())
        .put("positions", new JsonObject(new java.util.HashMap<>(mesh.positions())))
        .put("applied", state.applied().toJson())
        .put("store", store == null ? null : store.info());
  }

  // ---- carrying out Readys (the order is Ready's) ----

  @Override
  public void pending() {
    if (!flushScheduled) {
      // at the end of this turn of the loop, behind the messages already queued: under load one Ready
      // carries many activities (one write per link and per client for all of them)
      flushScheduled = true;
      vertx.getOrCreateContext().runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  /**
   * Takes a Ready and carries it out. No timer: the flush is queued behind what the loop already holds,
   * so under load one Ready carries a backlog and an idle loop sends at once (BENCHMARKS.md, issue 16).
   */
  private void flush() {
    Ready<Message<?>> r = loop.ready();
    if (!r.isEmpty()) {
      carry(r);
    }
  }

  /** 1. persisted (the store's commit covers every event applied so far; at once without a store) ... */
  private void carry(Ready<Message<?>> r) {
    Future<Void> durable = store == null ? null : store.durable();
    if (durable == null || durable.isComplete()) {
      send(r.persisted());
    } else {
      durable.onComplete(ar -> send(r.persisted()));
    }
  }

  /**
   * ... 2. the lines to the links, 3. a marker request to each awaited link (answered after its earlier
   * writes) ... 4. release (peers first, local clients second: a server killed mid-broadcast never
   * leaves an activity its own clients saw, or a registration or session its client was told about,
   * that no peer has).
   */
  private void send(Ready.Sending<Message<?>> s) {
    var bus = vertx.eventBus();
    s.lines().forEach((linkId, lines) -> bus.send(Addresses.linkOut(linkId), new Line(lines, false)));
    s.closes().forEach((linkId, last) -> bus.send(Addresses.linkOut(linkId), new Line(last, true)));
    if (s.awaits().isEmpty()) {
      release(s.written());
      return;
    }
    List<Future<?>> markers = new ArrayList<>();
    for (String linkId : s.awaits()) {
      markers.add(bus.request(Addresses.linkOut(linkId), new Line(null, false), LINK_MARKER_OPTIONS));
    }
    Future.join(markers).onComplete(ar -> release(s.written())); // a link gone meanwhile waits for nothing
  }

  private void release(List<Ready.Output<Message<?>>> outputs) {
    for (Ready.Output<Message<?>> o : outputs) {
      if (o instanceof Ready.Deliver<Message<?>> d) {
        metrics.delivered(d.batch().count());
        vertx.eventBus().publish(Addresses.GATEWAY_DELIVER, d.batch());
      } else if (o instanceof Ready.Reply<Message<?>> rep) {
        rep.to().reply(rep.body());
      }
    }
  }

  private static final io.vertx.core.eventbus.DeliveryOptions LINK_MARKER_OPTIONS =
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2000);
  private boolean flushScheduled;
  private GatewayMetrics metrics;

  @Override
  public void kick(String sessionId) {
    vertx.eventBus().publish(Addresses.GATEWAY_KICK, sessionId);
  }

  @Override
  public void connect(String hostname, int port, boolean join) {
    vertx.eventBus().send(Addresses.MESH_CONNECT, new JsonObject().put("hostname", hostname).put("port", port)
        .put("join", join).put("selfPort", selfPort));
  }

  @Override
  public void inTransit(String target) {
    vertx.eventBus().publish(Addresses.BALANCE_IN_TRANSIT, target);
  }

  @Override
  public void membersChanged() {
    JsonArray live = new JsonArray().add(new JsonObject().put("id", selfId)
        .put("hostname", config.localHostname()).put("port", selfPort).put("tlsPort", config.tlsPort())
        .put("load", load).put("httpPort", config.httpPort()));
    mesh.members().values().forEach(mm -> {
      if (mm.linked()) {
        live.add(new JsonObject().put("id", mm.id()).put("hostname", mm.hostname()).put("port", mm.port())
            .put("tlsPort", mm.tlsPort()).put("load", mm.load()).put("httpPort", mm.httpPort()));
      }
    });
    vertx.eventBus().publish(Addresses.MEMBERS_CHANGED, new JsonObject().put("self", selfId).put("members", live)
        .put("redirectsBegun", redirectsBegun));
  }

  /** Set once this incarnation was declared dead: it accepts nothing more (its state is handed on). */
  private boolean leaving;

  /**
   * Declared dead: the next incarnation gets every user this one knew and its own events still kept
   * (accepted on this side of a partition, say), taken now, in the same event-loop turn in which the
   * server stops accepting: an activity accepted and echoed after this point would be lost with the
   * old state, so none is.
   */
  @Override
  public void rejoin(String hostname, int port) {
    if (leaving) {
      return;
    }
    leaving = true;
    JsonArray users = new JsonArray();
    state.users().forEach(u -> users.add(u.toJson()));
    JsonArray events = new JsonArray();
    mesh.ownRetainedEvents().forEach(e -> events.add(e.toJson()));
    vertx.eventBus().send(Addresses.APP_REJOIN, new JsonObject().put("hostname", hostname).put("port", port)
        .put("carryOver", new JsonObject().put("users", users).put("events", events)));
  }
}
