package io.activitystreamer.mesh;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.protocol.LineFramer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens outbound peer links when the mesh core asks ({@link Addresses#MESH_CONNECT}
 * {@code {hostname, port, join}}): connects, sends AUTHENTICATE with this incarnation's identity and a fresh nonce (never the
 * secret), and
 * hands the socket to a {@link PeerLink}. Inbound links arrive through the client port (the gateway).
 */
public final class MeshVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MeshVerticle.class);

  private final ServerConfig config;
  private final String selfId;
  private final String name;
  private NetClient client;

  public MeshVerticle(ServerConfig config, String selfId, String name) {
    this.config = config;
    this.selfId = selfId;
    this.name = name;
  }

  @Override
  public Future<?> start() {
    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000).setTcpNoDelay(true));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.MESH_CONNECT, m -> connect(m.body()));
    return Future.succeededFuture();
  }

  private void connect(JsonObject req) {
    String host = req.getString("hostname");
    int p = req.getInteger("port");
    boolean join = req.getBoolean("join", false);
    int selfPort = req.getInteger("selfPort");
    client.connect(p, host).onSuccess(socket -> {
      String nonce = MeshAuth.nonce();
      PeerLink link = PeerLink.connected(vertx, socket, selfId, host, p, config.secret(), nonce);
      socket.handler(new LineFramer(PeerLink.MAX_LINE_BYTES, link::onLine,
          link::onOverflow));
      socket.write(PeerMessages.authenticate(nonce, selfId, name, config.localHostname(), selfPort, join));
    }).onFailure(err -> {
      LOG.debug("[{}] cannot connect to {}:{}: {}", selfId, host, p, err.getMessage());
      vertx.eventBus().send(Addresses.MESH_CONNECT_FAILED, new JsonObject().put("hostname", host).put("port", p));
    });
  }
}
