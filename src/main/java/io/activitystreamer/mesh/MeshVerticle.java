package io.activitystreamer.mesh;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.config.ConfigLoader;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.LineFramer;
import io.activitystreamer.tls.TlsFiles;
import io.activitystreamer.tls.TlsReloader;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens outbound peer links when the mesh core asks ({@link Addresses#MESH_CONNECT}
 * {@code {hostname, port, join}}): connects, sends AUTHENTICATE with this incarnation's identity and a
 * fresh nonce (never the secret), and hands the socket to a {@link PeerLink}. Inbound links arrive
 * through the client port or the TLS port (the gateway).
 *
 * <p>With {@code meshTls} the connection is TLS: this server presents its certificate and accepts only
 * a peer certificate that chains to {@code tlsCaFile}; a refused handshake is logged with its reason.
 * The certificate files are polled and new links use the new ones.
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
    NetClientOptions opts = new NetClientOptions().setConnectTimeout(2000).setTcpNoDelay(true);
    if (config.meshTls()) {
      TlsFiles files = TlsFiles.of(config);
      ClientSSLOptions ssl;
      try {
        ssl = files.load().meshClient();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      opts.setSsl(true).setKeyCertOptions(ssl.getKeyCertOptions()).setTrustOptions(ssl.getTrustOptions())
          .setHostnameVerificationAlgorithm(ssl.getHostnameVerificationAlgorithm());
      TlsReloader.watch(vertx, files, "mesh links", m -> client.updateSSLOptions(m.meshClient(), true));
    }
    client = vertx.createNetClient(opts);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.MESH_CONNECT, m -> connect(m.body()));
    return Future.succeededFuture();
  }

  private static boolean isTlsFailure(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.GeneralSecurityException) {
        return true;
      }
    }
    return false;
  }

  private void connect(JsonObject req) {
    String host = req.getString(Fields.HOSTNAME);
    int p = req.getInteger(Fields.PORT);
    boolean join = req.getBoolean(Fields.JOIN, false);
    int selfPort = req.getInteger("selfPort");
    client.connect(p, host).onSuccess(socket -> {
      String nonce = MeshAuth.nonce();
      PeerLink link = PeerLink.connected(vertx, socket, selfId, host, p, config.secret(), nonce);
      LineFramer framer = new LineFramer(PeerLink.HANDSHAKE_LINE_BYTES, link::onLine, link::onOverflow);
      link.framedBy(framer);
      socket.handler(framer);
      socket.write(PeerMessages.authenticate(nonce, selfId, name, config.localHostname(), selfPort,
          config.tlsPort(), join));
    }).onFailure(err -> {
      if (isTlsFailure(err)) {
        // a peer that is up but whose certificate is not the mesh's (or that refused ours): say why
        LOG.warn("[{}] TLS handshake with {}:{} failed: {}", selfId, host, p, ConfigLoader.rootMessage(err));
      } else {
        LOG.debug("[{}] cannot connect to {}:{}: {}", selfId, host, p, err.getMessage());
      }
      vertx.eventBus().send(Addresses.MESH_CONNECT_FAILED, new JsonObject().put(Fields.HOSTNAME, host).put(Fields.PORT, p));
    });
  }
}
