package io.activitystreamer.gateway;

import io.activitystreamer.balance.BalancerClient;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.DeliveryBatch;
import io.activitystreamer.config.ConfigLoader;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.http.GatewayMetrics.Transport;
import io.activitystreamer.http.HttpApi;
import io.activitystreamer.mesh.PeerLink;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.LineFramer;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.store.StoreHealth;
import io.activitystreamer.tls.TlsFiles;
import io.activitystreamer.tls.TlsReloader;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns client connections on the shared port ({@code -lp}); deployed in several instances (one per
 * core), each with its own connections and event loop. The first line of a connection tells clients
 * from servers: AUTHENTICATE hands the socket to a {@link PeerLink}; anything else is a client.
 * Activities reach every instance as {@link DeliveryBatch}es published by the state.
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
  private final Map<String, ClientHandler> loggedIn = new java.util.LinkedHashMap<>();
  private final Map<String, ClientHandler> bySession = new HashMap<>();
  private long connectionCounter;
  private NetServer server;
  private NetServer tlsServer;
  private HttpServer httpServer;
  private GatewayMetrics metrics;
  private BalancerClient balancer;
  private ConnectionLimits limits;
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
    limits = ConnectionLimits.of(vertx, config);
    storeHealth = StoreHealth.of(vertx);
    throttle = FailureThrottle.of(vertx, config);
    hashPool = HashPool.of(vertx, config.hashQueueMax());
    hashExecutor = HashPool.executor(vertx, config.hashThreads());
    vertx.setPeriodic(60_000, t -> throttle.forgetStale(System.currentTimeMillis()));
    vertx.eventBus().<DeliveryBatch>localConsumer(Addresses.GATEWAY_DELIVER, m -> onDelivery(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.GATEWAY_REBALANCE, this::onRebalance);
    vertx.eventBus().<String>localConsumer(Addresses.GATEWAY_KICK, m -> {
      ClientHandler h = bySession.get(m.body());
      if (h != null) {
        h.kick();
      }
    });
    int port = boundPort.get() > 0 ? boundPort.get() : config.localPort();
    NetServerOptions opts = new NetServerOptions().setHost(config.bindHost()).setPort(port)
        .setTcpNoDelay(true).setReuseAddress(true);
    server = vertx.createNetServer(opts).connectHandler(this::onConnect);
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
    tlsServer = vertx.createNetServer(TlsFiles.withSsl(opts, tls.server())).connectHandler(this::onConnect)
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
        .requestHandler(HttpApi.router(vertx, config, serverId, boundPort::get, this::onSockJs));
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

  /** Null when connection {@code id} from {@code ip} is admitted, else the limit that refuses it (counted, logged). */
  private GatewayMetrics.Limit admit(String ip, String id) {
    GatewayMetrics.Limit refused = limits.admit(ip);
    if (refused != null) {
      metrics.limited(refused);
      LOG.debug("[{}] connection {} from {} refused: {}", serverId, id, ip, refused);
    }
    return refused;
  }

  /** A browser over SockJS: each SockJS message is one command, with the same size limit as a TCP line. */
  private void onSockJs(SockJSSocket socket) {
    String id = instanceId + "-w" + (++connectionCounter);
    socket.setWriteQueueMaxSize(config.clientWriteQueueMaxBytes());
    SockJsTransport transport = new SockJsTransport(socket);
    ClientHandler client = new ClientHandler(this, transport, id);
    String ip = transport.remoteIp();
    GatewayMetrics.Limit refused = admit(ip, id);
    if (refused != null) {
      client.refuse(limits.refusal(refused));
      return;
    }
    client.armLoginDeadline();
    metrics.connectionOpened(Transport.SOCKJS);
    LOG.info("[{}] SockJS connection {} opened from {}", serverId, id, socket.remoteAddress());
    int max = config.maxMessageBytes();
    socket.handler(msg -> {
      if (msg.length() > max) {
        client.onOverflow();
      } else {
        client.onLine(msg.toString(StandardCharsets.UTF_8));
      }
    });
    socket.exceptionHandler(err -> LOG.debug("[{}] {} SockJS error: {}", serverId, id, err.getMessage()));
    boolean[] closed = {false};
    socket.closeHandler(v -> {
      if (!closed[0]) {
        closed[0] = true;
        LOG.info("[{}] SockJS connection {} closed", serverId, id);
        metrics.connectionClosed(Transport.SOCKJS);
        limits.release(ip);
        client.onClosed();
      }
    });
  }

  private void onConnect(NetSocket socket) {
    String id = instanceId + "-c" + (++connectionCounter);
    socket.setWriteQueueMaxSize(config.clientWriteQueueMaxBytes());
    TcpTransport transport = new TcpTransport(socket);
    ClientHandler client = new ClientHandler(this, transport, id);
    String ip = transport.remoteIp();
    GatewayMetrics.Limit refused = admit(ip, id);
    if (refused != null) {
      socket.handler(b -> { }); // read and drop: the refusal is all it gets
      socket.closeHandler(v -> client.onClosed());
      client.refuse(limits.refusal(refused));
      return;
    }
    String remote = String.valueOf(socket.remoteAddress());
    LOG.info("[{}] connection {} opened from {}", serverId, id, remote);
    boolean[] first = {true};
    PeerLink[] link = new PeerLink[1];
    LineFramer[] framerRef = new LineFramer[1];
    LineFramer framer = new LineFramer(config.maxMessageBytes(), line -> {
      if (link[0] != null) {
        link[0].onLine(line);
        return;
      }
      if (first[0]) {
        first[0] = false;
        Decoded d = MessageCodec.decode(line);
        if (!d.isError() && d.command() == Command.AUTHENTICATE) {
          LOG.info("[{}] connection {} is a server link", serverId, id);
          client.cancelLoginDeadline();
          link[0] = PeerLink.accept(vertx, config, serverId, socket, d.body());
          if (link[0] != null) {
            link[0].framedBy(framerRef[0]); // handshake-sized lines until the peer's proof checks
          }
          return;
        }
        metrics.connectionOpened(Transport.TCP);
      }
      client.onLine(line);
    }, () -> {
      if (link[0] != null) {
        link[0].onOverflow();
      } else {
        client.onOverflow();
      }
    });
    framerRef[0] = framer;
    client.armLoginDeadline();
    socket.handler(framer);
    socket.exceptionHandler(err -> LOG.debug("[{}] {} socket error: {}", serverId, id, err.getMessage()));
    socket.closeHandler(v -> {
      limits.release(ip);
      if (link[0] == null) {
        LOG.info("[{}] connection {} closed", serverId, id);
        if (!first[0]) {
          metrics.connectionClosed(Transport.TCP);
        }
        client.onClosed();
      }
    });
  }

  private void onDelivery(DeliveryBatch batch) {
    long writing = System.nanoTime(); // once per batch, for every connection it is written to
    for (ClientHandler h : new java.util.ArrayList<>(loggedIn.values())) {
      h.deliver(batch.classicLines(), batch.resumeLines(), batch.through(), writing);
    }
    long written = System.nanoTime();
    metrics.activitiesOut((long) loggedIn.size() * batch.count());
    batch.senders().forEach((connection, accepted) -> {
      ClientHandler sender = loggedIn.get(connection);
      if (sender != null) {
        // the sender's instance times its activities: accepted here, written to this instance's recipients
        for (int i = 0; i < accepted.count(); i++) {
          if (accepted.acceptedNanos(i) != 0) {
            metrics.deliveryLatency(accepted.acceptedNanos(i), written);
          }
        }
        metrics.activitiesIn(accepted.count());
        sender.releaseCredit(accepted.count());
      }
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
    loggedIn.put(h.id, h);
    bySession.put(h.sessionId, h);
  }

  /**
   * Rebalancing: redirect up to {@code count} of this instance's logged-in clients to
   * {@code {hostname, port}}, the longest-connected first (a client that just arrived by redirect is
   * the last to move again), named sessions only unless {@code anonymous} is true (a named session
   * loses nothing by a move; an anonymous one misses what is published while it moves). Replies how
   * many were moved.
   */
  private void onRebalance(io.vertx.core.eventbus.Message<JsonObject> m) {
    int count = m.body().getInteger("count");
    boolean anonymousToo = m.body().getBoolean("anonymous", false);
    JsonObject target = new JsonObject().put("hostname", m.body().getString("hostname"))
        .put("port", m.body().getInteger("port")).put("tlsPort", m.body().getInteger("tlsPort", 0));
    java.util.List<ClientHandler> movable = new java.util.ArrayList<>(loggedIn.values());
    int moved = 0;
    for (ClientHandler h : movable) {
      if (moved >= count) {
        break;
      }
      if ((anonymousToo || !h.anonymous()) && h.redirect(target)) {
        moved++;
      }
    }
    m.reply(new JsonObject().put("moved", moved));
  }

  @Override
  public void onClosed(ClientHandler h) {
    loggedIn.remove(h.id);
    if (h.sessionId != null) {
      bySession.remove(h.sessionId, h);
    }
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
