package io.activitystreamer.gateway;

import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.http.GatewayMetrics.Transport;
import io.activitystreamer.mesh.PeerLink;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.LineFramer;
import io.activitystreamer.protocol.MessageCodec;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new connections of one gateway instance, whatever their transport: each gets its id, its write
 * queue bound and its {@link ClientHandler}, then passes the connection limits ({@link ConnectionLimits},
 * a refusal counted and logged) and has its transport's events wired to the handler, with the
 * connection meters and log lines. SockJS: one command per SockJS message, with the same size limit as
 * a TCP line. TCP (-lp or tlsPort): lines framed by {@link LineFramer}; the first one tells clients from
 * servers: AUTHENTICATE hands the socket to a {@link PeerLink}. Its instance's event loop only.
 */
final class ClientConnections {
  private static final Logger LOG = LoggerFactory.getLogger(ClientGatewayVerticle.class);
  private final GatewayContext gw;
  private final Vertx vertx;
  private final ServerConfig config;
  private final String serverId;
  private final String instanceId;
  private final GatewayMetrics metrics;
  private final ConnectionLimits limits;
  private long connectionCounter;

  ClientConnections(GatewayContext gw, String instanceId, ConnectionLimits limits) {
    this.gw = gw;
    this.vertx = gw.vertx();
    this.config = gw.settings();
    this.serverId = gw.serverId();
    this.instanceId = instanceId;
    this.metrics = gw.metrics();
    this.limits = limits;
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
  void onSockJs(SockJSSocket socket) {
    String id = instanceId + "-w" + (++connectionCounter);
    socket.setWriteQueueMaxSize(config.clientWriteQueueMaxBytes());
    SockJsTransport transport = new SockJsTransport(socket);
    ClientHandler client = new ClientHandler(gw, transport, id);
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

  void onConnect(NetSocket socket) {
    String id = instanceId + "-c" + (++connectionCounter);
    socket.setWriteQueueMaxSize(config.clientWriteQueueMaxBytes());
    TcpTransport transport = new TcpTransport(socket);
    ClientHandler client = new ClientHandler(gw, transport, id);
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
}
