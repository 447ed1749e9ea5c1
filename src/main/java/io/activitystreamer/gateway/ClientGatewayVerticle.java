package io.activitystreamer.gateway;

import io.activitystreamer.balance.BalancerClient;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.DeliveryBatch;
import io.activitystreamer.config.ConfigLoader;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.http.HttpApi;
import io.activitystreamer.mesh.PeerLink;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.store.StoreHealth;
import io.activitystreamer.tls.TlsFiles;
import io.activitystreamer.tls.TlsReloader;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns client connections on the shared port ({@code -lp}); deployed in several instances (one per
 * core), each with its own connections and event loop: it listens, registers the gateway's bus
 * consumers and serves its connections' handlers ({@link GatewayContext}). New connections are set up
 * by {@link ClientConnections} (the first line of a TCP connection tells clients from servers:
 * AUTHENTICATE hands the socket to a {@link PeerLink}; anything else is a client). Activities reach
 * every instance as {@link DeliveryBatch}es published by the state, written out by
 * {@link LoggedInClients}.
 *
 * <p>With {@code httpPort > 0} each instance also serves HTTP on that port (shared like the TCP port):
 * SockJS clients get the same {@link ClientHandler} through a {@link SockJsTransport}, one JSON command
 * per SockJS message; see {@link HttpApi} for the other routes.
 *
 * <p>TLS: with {@code tlsPort > 0} each instance also listens there for the same protocol over TLS
 * (clients, and servers when {@code meshTls} is on); with {@code httpTls} the HTTP port speaks HTTPS
 * and WSS. The certificate files are polled ({@link TlsReloader}) and new connections get the new
 * certificate without a restart.
 */
public final class ClientGatewayVerticle extends VerticleBase implements GatewayContext {
  private static final Logger LOG = LoggerFactory.getLogger(ClientGatewayVerticle.class);
  private static final AtomicLong INSTANCES = new AtomicLong();

  private final ServerConfig config;
  private final String serverId;
  private final String instanceId = "g" + INSTANCES.incrementAndGet();
  private NetServer server;
  private NetServer tlsServer;
  private HttpServer httpServer;
  private GatewayMetrics metrics;
  private LoggedInClients clients;
  private BalancerClient balancer;
  private ClientConnections connections;
  private StoreHealth storeHealth;
  private FailureThrottle throttle;
  private HashPool hashPool;
  private io.vertx.core.WorkerExecutor hashExecutor;

  private final AtomicInteger boundPort;

  /** {@code boundPort} receives the port actually bound (shared by all instances; useful with port 0). */
  public ClientGatewayVerticle(ServerConfig config, String serverId, AtomicInteger boundPort) {
    this.config = config;
    this.serverId = serverId;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    balancer = new BalancerClient(vertx);
    metrics = GatewayMetrics.of(vertx);
    clients = new LoggedInClients(metrics);
    storeHealth = StoreHealth.of(vertx);
    throttle = FailureThrottle.of(vertx, config);
    hashPool = HashPool.of(vertx, config.hashQueueMax());
    hashExecutor = HashPool.executor(vertx, config.hashThreads());
    connections = new ClientConnections(this, instanceId, ConnectionLimits.of(vertx, config));
    vertx.setPeriodic(60_000, t -> throttle.forgetStale(System.currentTimeMillis()));
    vertx.eventBus().<DeliveryBatch>localConsumer(Addresses.GATEWAY_DELIVER, m -> clients.deliver(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.GATEWAY_REBALANCE,
        m -> m.reply(new JsonObject().put(Fields.MOVED, clients.rebalance(m.body()))));
    vertx.eventBus().<String>localConsumer(Addresses.GATEWAY_KICK, m -> clients.kick(m.body()));
    int port = boundPort.get() > 0 ? boundPort.get() : config.localPort();
    NetServerOptions opts = new NetServerOptions().setHost(config.bindHost()).setPort(port)
        .setTcpNoDelay(true).setReuseAddress(true);
    server = vertx.createNetServer(opts).connectHandler(connections::onConnect);
    TlsFiles.Material tls;
    try {
      tls = config.tlsPort() > 0 || config.httpTls() ? TlsFiles.of(config).load() : null;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return server.listen().onSuccess(s -> {
      boundPort.compareAndSet(0, s.actualPort());
      LOG.debug("[{}] gateway {} listening on {}", serverId, instanceId, s.actualPort());
    }).compose(s -> config.tlsPort() > 0 ? listenTls(tls) : Future.succeededFuture())
        .compose(s -> config.httpPort() > 0 ? listenHttp(tls) : Future.succeededFuture())
        .onSuccess(v -> {
          if (tls != null) {
            TlsReloader.watch(vertx, TlsFiles.of(config), "gateway " + instanceId, this::reloadTls);
          }
        });
  }

  /** The same protocol as on -lp, over TLS on tlsPort; a failed handshake is logged with its reason. */
  private Future<?> listenTls(TlsFiles.Material tls) {
    NetServerOptions opts = new NetServerOptions().setHost(config.bindHost()).setPort(config.tlsPort())
        .setTcpNoDelay(true).setReuseAddress(true);
    tlsServer = vertx.createNetServer(TlsFiles.withSsl(opts, tls.server())).connectHandler(connections::onConnect)
        .exceptionHandler(err -> LOG.warn("[{}] TLS connection on port {} failed: {}", serverId, config.tlsPort(),
            ConfigLoader.rootMessage(err)));
    return tlsServer.listen()
        .onSuccess(s -> LOG.debug("[{}] gateway {} listening for TLS on {}", serverId, instanceId, s.actualPort()))
        .recover(err -> Future.failedFuture(new IllegalArgumentException("cannot listen for TLS on tlsPort "
            + config.tlsPort() + " with tlsCertFile " + config.tlsCertFile() + " and tlsKeyFile "
            + config.tlsKeyFile() + ": " + ConfigLoader.rootMessage(err))));
  }

  private Future<?> reloadTls(TlsFiles.Material tls) {
    Future<?> tcp = tlsServer == null ? Future.succeededFuture() : tlsServer.updateSSLOptions(tls.server(), true);
    Future<?> http = httpServer == null || !config.httpTls() ? Future.succeededFuture()
        : httpServer.updateSSLOptions(tls.httpServer(), true);
    return Future.all(tcp, http);
  }

  private Future<?> listenHttp(TlsFiles.Material tls) {
    io.vertx.core.http.HttpServerOptions opts = HttpApi.serverOptions(config);
    if (config.httpTls()) {
      TlsFiles.withSsl(opts, tls.httpServer());
    }
    httpServer = vertx.createHttpServer(opts)
        .requestHandler(HttpApi.router(vertx, config, serverId, boundPort::get, connections::onSockJs));
    return httpServer.listen()
        .onSuccess(s -> LOG.debug("[{}] gateway {} serving HTTP on {}", serverId, instanceId, s.actualPort()))
        .recover(err -> {
          // The client/server port is what the mesh needs; the HTTP side is an extra. Several classic
          // servers started on one host with only -lp set would all ask for the default HTTP port, so a
          // busy HTTP port costs the web client and ops endpoints of this server, not the server.
          LOG.warn("[{}] cannot listen for HTTP on port {}: {}; web client, SockJS and ops endpoints are off"
              + " (choose another port with -hp, or -hp 0)", serverId, config.httpPort(), err.getMessage());
          httpServer = null;
          return Future.succeededFuture();
        });
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public String storeFailure() {
    return storeHealth.failure();
  }

  @Override
  public ServerConfig settings() {
    return config;
  }

  @Override
  public String serverId() {
    return serverId;
  }

  @Override
  public BalancerClient balancer() {
    return balancer;
  }

  @Override
  public void onLoggedIn(ClientHandler h) {
    clients.add(h);
  }

  @Override
  public void onClosed(ClientHandler h) {
    clients.remove(h);
  }

  @Override
  public GatewayMetrics metrics() {
    return metrics;
  }

  @Override
  public FailureThrottle throttle() {
    return throttle;
  }

  @Override
  public <T> Future<T> hash(HashPool.Priority priority, java.util.concurrent.Callable<T> work,
      java.util.function.BooleanSupplier cancelled) {
    return hashPool.submit(hashExecutor, priority, work, cancelled);
  }

  @Override
  public Future<?> stop() {
    if (hashExecutor != null) {
      hashExecutor.close();
    }
    Future<Void> http = httpServer == null ? Future.succeededFuture() : httpServer.close();
    Future<Void> tcp = server == null ? Future.succeededFuture() : server.close();
    Future<Void> tls = tlsServer == null ? Future.succeededFuture() : tlsServer.close();
    return Future.join(http, tcp, tls);
  }
}
