package io.activitystreamer.state;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.Line;
import io.activitystreamer.bus.PeerIn;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.replication.Event;
import io.activitystreamer.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter of this server's {@link ServerCore} on the state's event loop: turns bus requests from
 * the gateway and link events from the mesh into the core's inputs (with {@code now}), carries out the
 * Readys of its {@link ReadyLoop} in their order (persisted, lines to the links, markers, then
 * deliveries and replies; see {@link #carry}) and its {@link ServerCore.Effects} as bus messages. It
 * owns what is I/O: the data directory (the journal, snapshots, recovered state and its join), the
 * ticks' timer, requests that arrive before the mesh is joined (they wait until it is).
 */
public final class StateVerticle extends VerticleBase implements ServerCore.Effects<Message<?>> {
  private static final Logger LOG = LoggerFactory.getLogger(StateVerticle.class);
  private static final long TICK_MILLIS = 50;

  private final ServerConfig config;
  private final String selfId;
  private final String name;
  private ServerCore<Message<?>> core;
  private final List<Runnable> waitingForJoin = new ArrayList<>();
  private Promise<Void> joinedPromise;

  private final JsonObject carryOver;
  /** The data directory's store, or null (memory only). */
  private final Store store;
  private Store.Recovered recovered;
  /** While joining through -rh with recovered state: the recovered core, used if no member answers. */
  private ServerCore<Message<?>> recoveredCore;
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

  private ServerCore<Message<?>> newCore() {
    return new ServerCore<>(selfId, name, ServerCore.Options.of(config), carryOver, this, now());
  }

  @Override
  public Future<?> start() {
    metrics = GatewayMetrics.of(vertx);
    core = newCore();
    if (recovered != null && !recovered.empty()) {
      long t0 = System.nanoTime();
      core.loop().mute(true); // replaying the store: nothing goes out
      core.mesh().recover(recovered.snapshot(), recovered.journal());
      core.loop().mute(false);
      StateCore state = core.state();
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
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGIN, m -> whenJoined(() -> {
      JsonObject b = m.body();
      core.login(m, b.getString("username"), b.getBoolean("anonymous"), b.getJsonObject("resume"),
          b.getString("connection"), now());
    }));
    bus.<ActivityIn>localConsumer(Addresses.STATE_ACTIVITY, m -> core.activity(m.body(), now()));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGIN_CANCEL, m -> core.cancelLogin(m.body().getString("connection")));
    // a redirect begins: fix what the session has been written, answer once that is published
    bus.<JsonObject>localConsumer(Addresses.STATE_FREEZE, m -> core.freeze(m, m.body().getString("session"),
        m.body().getJsonObject("target"), now()));
    bus.<JsonObject>localConsumer(Addresses.STATE_DETACH, m -> handleDetach(m.body()));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGOUT, m -> core.logout(m.body().getString("session")));
    bus.<JsonObject>localConsumer(Addresses.STATE_MESH_INFO, m -> m.reply(core.info()
        .put("store", store == null ? null : store.info())));
    bus.<JsonObject>localConsumer(Addresses.STATE_START_MESH, this::startMesh);
    bus.<PeerIn>localConsumer(Addresses.MESH_LINK_UP, m -> core.mesh().onLinkUp(m.body().linkId(),
        m.body().outbound(), m.body().msg(), now()));
    bus.<PeerIn>localConsumer(Addresses.MESH_LINK_IN, m -> core.mesh().onPeerMessage(m.body().linkId(),
        m.body().msg(), now()));
    bus.<String>localConsumer(Addresses.MESH_LINK_DOWN, m -> core.mesh().onLinkDown(m.body(), now()));
    bus.<JsonObject>localConsumer(Addresses.MESH_CONNECT_FAILED, m -> onConnectFailed(m.body()));
    vertx.setPeriodic(TICK_MILLIS, id -> tick());
    return Future.succeededFuture();
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  // ---- mesh start and join ----

  private void startMesh(Message<JsonObject> m) {
    // Test hook: -Dactivitystreamer.advertisedPort=N makes peers dial N (a test TCP proxy in front of
    // this server) instead of the port listened on; clients redirected here also use N.
    int selfPort = Integer.getInteger("activitystreamer.advertisedPort", m.body().getInteger("port"));
    core.listeningOn(selfPort);
    joinedPromise = Promise.promise();
    joinedPromise.future().onComplete(ar -> m.reply(new JsonObject().put("joined", true)));
    if (recovered != null && !config.remoteHostname().isEmpty()) {
      // join with an empty state as any server; the recovered one is carried in once the mesh's snapshot
      // is installed (or used as it is if no member answers)
      recoveredCore = core;
      recoveredCarry = core.carryOver(false);
      java.util.Set<String> origins = new java.util.HashSet<>(core.mesh().positions().keySet());
      core = newCore();
      core.mesh().recoveredOrigins(origins);
      core.listeningOn(selfPort);
      joinStartedAt = now();
    }
    recovered = null;
    journalTo(core.mesh());
    if (config.remoteHostname().isEmpty()) {
      LOG.info("[{}] started a new mesh (no -rh given){}", selfId, store == null ? "" : " with the state of "
          + store.dir());
      core.startAlone();
    } else {
      LOG.info("[{}] joining the mesh through {}:{}", selfId, config.remoteHostname(), config.remotePort());
      core.joinVia(config.remoteHostname(), config.remotePort());
    }
  }

  private void onConnectFailed(JsonObject body) {
    String host = body.getString("hostname");
    int port = body.getInteger("port");
    if (!core.mesh().joined() && recoveredCore != null && now() - joinStartedAt >= RECOVERED_JOIN_WAIT_MILLIS) {
      // nobody answers: this server starts the mesh with its recovered state and keeps dialling the seed
      flush(); // what the joining core still had goes out before it is dropped
      recoveredCore.listeningOn(core.selfPort());
      core = recoveredCore;
      recoveredCore = null;
      recoveredCarry = null;
      journalTo(core.mesh());
      LOG.info("[{}] {}:{} did not answer for {} ms: started the mesh with the state of {}", selfId, host, port,
          now() - joinStartedAt, store.dir());
      core.startAlone();
      core.mesh().dialSeed(host, port);
      return;
    }
    core.connectFailed(host, port, now());
  }

  @Override
  public void joined() {
    if (joinedPromise != null && !joinedPromise.future().isComplete()) {
      joinedPromise.complete();
    }
    List<Runnable> run = new ArrayList<>(waitingForJoin);
    waitingForJoin.clear();
    run.forEach(Runnable::run);
  }

  // ---- the data directory ----

  /**
   * Every event this mesh core applies goes to the store; a join snapshot replaces what it holds (in
   * the same turn, the recovered state the mesh lacks is carried in after it, so none is lost between).
   */
  private void journalTo(MeshCore mesh) {
    if (store == null) {
      return;
    }
    mesh.journal(new MeshCore.Journal() {
      @Override
      public void applied(Event e) {
        store.append(e);
      }

      @Override
      public void installed() {
        store.snapshot(mesh.snapshot());
        if (recoveredCarry != null) {
          JsonObject carry = recoveredCarry;
          recoveredCarry = null;
          recoveredCore = null;
          core.adopt(carry);
        }
      }
    });
  }

  /** Periodic: a snapshot once the journal holds more events than the state has items (amortised O(1)). */
  private void maybeSnapshot() {
    if (store != null && core.mesh().joined() && !store.snapshotting()
        && store.journalRows() >= Math.max(SNAPSHOT_MIN_EVENTS, snapshotItems)) {
      JsonObject snap = core.mesh().snapshot();
      JsonObject st = snap.getJsonObject("state");
      snapshotItems = st.getJsonArray("users").size() + st.getJsonArray("sessions").size()
          + st.getJsonObject("log").getJsonArray("entries").size() + snap.getJsonArray("retained").size();
      store.snapshot(snap);
    }
  }

  private static final long SNAPSHOT_MIN_EVENTS = Long.getLong("streamer.snapshotMinEvents", 10_000);
  private long snapshotItems;

  private void whenJoined(Runnable r) {
    if (core.mesh().joined()) {
      r.run();
    } else {
      waitingForJoin.add(r);
    }
  }

  private void tick() {
    if (core.tick(now())) {
      maybeSnapshot();
    }
  }

  // ---- client requests ----

  private void handleRegister(Message<JsonObject> m) {
    if (store != null && store.lastFailure() != null) {
      // a registration could not be kept: refused with the reason rather than left waiting
      m.fail(BusError.UNAVAILABLE.code, "the data directory cannot be written (" + store.lastFailure().getMessage()
          + ")");
      return;
    }
    JsonObject b = m.body();
    core.register(m, b.getString("username"), b.getString("salt"), b.getString("hash"), b.getInteger("iterations"),
        now());
  }

  private void handleLookup(Message<JsonObject> m) {
    String username = m.body().getString("username");
    UserRecord u = core.state().user(username);
    if (u == null) {
      m.fail(BusError.NOT_REGISTERED.code, "not registered");
    } else {
      UserRecord lost = core.state().lostRegistration(username);
      m.reply(lost == null ? u.toJson() : u.toJson().put("lost", lost.toJson()));
    }
  }

  private void handleDetach(JsonObject b) {
    LOG.debug("[{}] detach {}", selfId, b);
    JsonObject read = b.getJsonObject("read");
    core.detach(b.getString("session"), b.getBoolean("anonymous", false), b.getBoolean("frozen", false),
        b.getLong("since", now()), b.getBoolean("exact", false), read == null ? null : Vector.fromJson(read));
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
    Ready<Message<?>> r = core.loop().ready();
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
        .put("join", join).put("selfPort", core.selfPort()));
  }

  @Override
  public void inTransit(String target) {
    vertx.eventBus().publish(Addresses.BALANCE_IN_TRANSIT, target);
  }

  @Override
  public void members(JsonObject members) {
    vertx.eventBus().publish(Addresses.MEMBERS_CHANGED, members);
  }

  @Override
  public void fail(Message<?> request, BusError error, String message) {
    request.fail(error.code, message);
  }

  /** Declared dead: the application redeploys a next incarnation, which gets {@code carry} (see ServerCore). */
  @Override
  public void rejoin(String hostname, int port, JsonObject carry) {
    vertx.eventBus().send(Addresses.APP_REJOIN, new JsonObject().put("hostname", hostname).put("port", port)
        .put("carryOver", carry));
  }
}
