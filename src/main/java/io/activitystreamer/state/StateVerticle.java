package io.activitystreamer.state;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.Line;
import io.activitystreamer.bus.PeerIn;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
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
 * owns what is I/O: the data directory ({@link DataDirectory}: the journal, snapshots, recovered state
 * and its join), the ticks' timer, requests that arrive before the mesh is joined (they wait until it
 * is). The bus bodies it reads and sends are read and built in {@link StateBus}.
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
  private final DataDirectory<Message<?>> dataDir;
  private boolean flushScheduled;
  private GatewayMetrics metrics;

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
    this.dataDir = new DataDirectory<>(selfId, store, recovered);
  }

  private ServerCore<Message<?>> newCore() {
    return new ServerCore<>(selfId, name, ServerCore.Options.of(config), carryOver, this, now());
  }

  @Override
  public Future<?> start() {
    metrics = GatewayMetrics.of(vertx);
    core = newCore();
    dataDir.recover(core, context);
    var bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(Addresses.STATE_REGISTER, m -> whenJoined(() -> handleRegister(m)));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOOKUP_USER, m -> whenJoined(() -> handleLookup(m)));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGIN, m -> whenJoined(() -> StateBus.login(core, m, m.body(),
        now())));
    bus.<ActivityIn>localConsumer(Addresses.STATE_ACTIVITY, m -> core.activity(m.body(), now()));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGIN_CANCEL, m -> core.cancelLogin(StateBus.connection(m.body())));
    // a redirect begins: fix what the session has been written, answer once that is published
    bus.<JsonObject>localConsumer(Addresses.STATE_FREEZE, m -> StateBus.freeze(core, m, m.body(), now()));
    bus.<JsonObject>localConsumer(Addresses.STATE_DETACH, m -> handleDetach(m.body()));
    bus.<JsonObject>localConsumer(Addresses.STATE_LOGOUT, m -> core.logout(StateBus.session(m.body())));
    bus.<JsonObject>localConsumer(Addresses.STATE_MESH_INFO, m -> m.reply(StateBus.info(core.info(),
        dataDir.info())));
    bus.<JsonObject>localConsumer(Addresses.STATE_START_MESH, this::startMesh);
    bus.<PeerIn>localConsumer(Addresses.MESH_LINK_UP, m -> core.mesh().onLinkUp(m.body().linkId(),
        m.body().outbound(), m.body().msg(), now()));
    bus.<PeerIn>localConsumer(Addresses.MESH_LINK_IN, m -> core.peerMessage(m.body().linkId(),
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
    int selfPort = Integer.getInteger("activitystreamer.advertisedPort", StateBus.port(m.body()));
    core.listeningOn(selfPort);
    joinedPromise = Promise.promise();
    joinedPromise.future().onComplete(ar -> m.reply(StateBus.joined()));
    // with recovered state and a seed: join with an empty state as any server; the recovered one is
    // carried in once the mesh's snapshot is installed (or used as it is if no member answers)
    core = dataDir.starting(core, !config.remoteHostname().isEmpty(), this::newCore, selfPort, now());
    if (config.remoteHostname().isEmpty()) {
      LOG.info("[{}] started a new mesh (no -rh given){}", selfId, dataDir.startedWith());
      core.startAlone();
    } else {
      LOG.info("[{}] joining the mesh through {}:{}", selfId, config.remoteHostname(), config.remotePort());
      core.joinVia(config.remoteHostname(), config.remotePort());
    }
  }

  private void onConnectFailed(JsonObject body) {
    String host = StateBus.hostname(body);
    int port = StateBus.port(body);
    if (!core.mesh().joined() && dataDir.givesUpJoin(now())) {
      // nobody answers: this server starts the mesh with its recovered state and keeps dialling the seed
      flush(); // what the joining core still had goes out before it is dropped
      core = dataDir.takeRecovered(core, host, port, now());
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

  private void whenJoined(Runnable r) {
    if (core.mesh().joined()) {
      r.run();
    } else {
      waitingForJoin.add(r);
    }
  }

  private void tick() {
    if (core.tick(now())) {
      dataDir.maybeSnapshot(core.mesh()); // a state tick: the adapter may snapshot
    }
  }

  // ---- client requests ----

  private void handleRegister(Message<JsonObject> m) {
    String unwritable = dataDir.unwritable();
    if (unwritable != null) {
      // a registration could not be kept: refused with the reason rather than left waiting
      m.fail(BusError.UNAVAILABLE.code, unwritable);
      return;
    }
    StateBus.register(core, m, m.body(), now());
  }

  private void handleLookup(Message<JsonObject> m) {
    String username = StateBus.username(m.body());
    UserRecord u = core.state().user(username);
    if (u == null) {
      m.fail(BusError.NOT_REGISTERED.code, "not registered");
    } else {
      m.reply(StateBus.user(u, core.state().lostRegistration(username)));
    }
  }

  private void handleDetach(JsonObject b) {
    LOG.debug("[{}] detach {}", selfId, b);
    StateBus.detach(core, b, now());
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
    Future<Void> durable = dataDir.durable();
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

  private static final DeliveryOptions LINK_MARKER_OPTIONS = new DeliveryOptions().setSendTimeout(2000);

  @Override
  public void kick(String sessionId) {
    vertx.eventBus().publish(Addresses.GATEWAY_KICK, sessionId);
  }

  @Override
  public void connect(String hostname, int port, boolean join) {
    vertx.eventBus().send(Addresses.MESH_CONNECT, StateBus.connect(hostname, port, join, core.selfPort()));
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
    vertx.eventBus().send(Addresses.APP_REJOIN, StateBus.rejoin(hostname, port, carry));
  }
}
