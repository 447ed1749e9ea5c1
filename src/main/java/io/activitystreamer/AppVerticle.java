package io.activitystreamer;

import io.activitystreamer.balance.BalancerVerticle;
import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.DeliveryBatch;
import io.activitystreamer.bus.Line;
import io.activitystreamer.bus.LocalCodec;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.bus.PeerIn;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.gateway.ClientGatewayVerticle;
import io.activitystreamer.mesh.MeshVerticle;
import io.activitystreamer.state.StateVerticle;
import io.activitystreamer.store.Store;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys one server: state (with the mesh logic), balancer, mesh links, then the gateway instances on
 * the shared client/server port, and finally joins the mesh. Its start completes once this server has
 * joined, so {@link #port()} is the port actually listened on. When the mesh declares this incarnation
 * dead, it redeploys everything as a new incarnation joining through the member that said so.
 */
public final class AppVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AppVerticle.class);

  private ServerConfig config;
  private final List<String> children = new ArrayList<>();
  private volatile int port;
  private volatile String incarnation;
  private JsonObject carryOver;
  private Store store;
  private Store.Recovered recovered;
  private volatile Path dataDir;

  public AppVerticle(ServerConfig config) {
    this.config = config;
  }

  public int port() {
    return port;
  }

  public String incarnation() {
    return incarnation;
  }

  /** The data directory in use, or null (memory only). */
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx, DeliveryBatch.class);
    LocalCodec.register(vertx, ActivityIn.class);
    LocalCodec.register(vertx, LoginResult.class);
    LocalCodec.register(vertx, Line.class);
    LocalCodec.register(vertx, PeerIn.class);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.APP_REJOIN, m -> rejoin(m.body()));
    return openStore().compose(v -> deployAll());
  }

  /** The server name: serverId, else host:port. */
  private String baseName() {
    // -lp 0: the port is not known yet, and "host:0" would be the same name for every such server, so
    // each would take the others for older incarnations of itself and declare them dead.
    String fixed = fixedName(config);
    return fixed != null ? fixed
        : config.localHostname() + ":0~" + Integer.toString(ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE), 36);
  }

  /** The server name when the configuration fixes it (serverId, else host:port), null with -lp 0. */
  private static String fixedName(ServerConfig config) {
    return !config.serverId().isEmpty() ? config.serverId()
        : config.localPort() != 0 ? config.localHostname() + ":" + config.localPort() : null;
  }

  /** The data directory of the server called {@code name}, or null with dataDir none (memory only). */
  private static Path dataDirFor(ServerConfig config, String name) {
    String conf = config.dataDir();
    if (conf.isEmpty() || conf.equals("none")) {
      return null;
    }
    return Path.of(conf.replace("{name}", name.replace(':', '-'))).toAbsolutePath().normalize();
  }

  /**
   * Where a server started without a secret keeps the one it generated, so that it restarts on its
   * own data directory (docs/durability.md): {@code DIR/secret}; null in memory only or with -lp 0.
   */
  public static Path keptSecretFile(ServerConfig config) {
    String name = fixedName(config);
    Path dir = name == null ? null : dataDirFor(config, name);
    return dir == null ? null : dir.resolve("secret");
  }

  /** Opens the data directory (lock, checks) and reads what it holds, off the event loop; none with -d none. */
  private Future<Void> openStore() {
    Path dir = dataDirFor(config, baseName());
    if (dir == null) {
      LOG.info("no data directory (dataDir none): state is kept in memory only, a restart of every server forgets it");
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      long t0 = System.nanoTime();
      Store s = Store.open(dir, config.secret(), config.durability());
      long opened = System.nanoTime();
      try {
        recovered = s.load();
      } catch (Store.StoreException e) {
        s.close();
        throw e;
      }
      store = s;
      dataDir = dir;
      LOG.info("data directory {} (durability {}): {}; opened and checked in {} ms, read in {} ms", dir,
          config.durability(), recovered.empty() ? "empty" : (recovered.snapshot() != null ? "a snapshot" : "no snapshot")
          + " and " + recovered.journal().size() + " journal events", (opened - t0) / 1_000_000,
          (System.nanoTime() - opened) / 1_000_000);
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    Store s = store;
    store = null;
    return s == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      s.close();
      return null;
    });
  }

  private Future<?> deployAll() {
    port = config.localPort();
    String base = baseName();
    incarnation = base + "#" + Long.toString(System.currentTimeMillis(), 36)
        + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
    // Several gateway instances share one port only when they all listen on the same explicit port:
    // with port 0 each instance would get a port of its own (or, binding the first one's port later,
    // fail with "address already in use"). So port 0 is resolved to a free port first.
    AtomicInteger actual = new AtomicInteger(config.localPort() == 0 ? freePort(config.bindHost()) : 0);
    Store.Recovered fromDisk = recovered;
    recovered = null; // a rejoin starts from the mesh's snapshot and what this incarnation carries over
    return deploy(new StateVerticle(config, incarnation, base, carryOver, store, fromDisk))
        .compose(v -> deploy(new BalancerVerticle(config.announceIntervalMillis(), config.gatewayInstances())))
        .compose(v -> deploy(new MeshVerticle(config, incarnation, base)))
        .compose(v -> vertx.deployVerticle(() -> new ClientGatewayVerticle(config, incarnation, actual),
            new DeploymentOptions().setInstances(config.gatewayInstances())))
        .compose(id -> {
          children.add(id);
          return Future.succeededFuture();
        })
        .compose(v -> {
          port = actual.get();
          return vertx.eventBus().request(Addresses.STATE_START_MESH, new JsonObject().put("port", port),
              new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(Long.MAX_VALUE / 4));
        })
        .onSuccess(v -> LOG.info("[{}] serving clients and servers on port {}", incarnation, port))
        .mapEmpty();
  }

  private static int freePort(String host) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(host, 0));
      return probe.getLocalPort();
    } catch (IOException e) {
      return 0;
    }
  }

  private Future<Void> deploy(VerticleBase v) {
    return vertx.deployVerticle(v).map(id -> {
      children.add(id);
      return null;
    });
  }

  private void rejoin(JsonObject via) {
    carryOver = via.getJsonObject("carryOver");
    redeploy(via);
  }

  private void redeploy(JsonObject via) {
    List<String> old = new ArrayList<>(children);
    children.clear();
    Future<?> undeployed = Future.succeededFuture();
    for (int i = old.size() - 1; i >= 0; i--) {
      String id = old.get(i);
      undeployed = undeployed.compose(v -> vertx.undeploy(id).otherwise((Void) null));
    }
    String host = via.getString("hostname");
    if (host != null) {
      config = config.with(new JsonObject().put("remoteHostname", host).put("remotePort", via.getInteger("port"))
          .put("localPort", port));
    }
    undeployed.compose(v -> deployAll())
        .onFailure(err -> LOG.error("[{}] rejoin failed", incarnation, err));
  }
}
