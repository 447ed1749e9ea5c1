package io.activitystreamer.mesh;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.Line;
import io.activitystreamer.bus.PeerIn;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.LineFramer;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import io.activitystreamer.util.ConstantTime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server-to-server socket and its handshake (docs/mesh.md "Authentication"). Decodes lines and,
 * once the peer has proved it knows the mesh secret, hands them to the mesh core
 * ({@link Addresses#MESH_LINK_IN}); writes what the core sends to {@code streamer.mesh.link.<id>}.
 * Runs on the event loop of the verticle that opened or accepted the socket. Which lines are taken in
 * which state of the handshake is the {@link PeerHandshake}'s; this class is its socket. The mesh
 * secret is never written on the socket nor logged.
 */
public final class PeerLink {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
  private static final AtomicLong IDS = new AtomicLong();
  /**
   * Longest line before the other side has proved it knows the secret (the handshake lines are small):
   * an unauthenticated peer cannot make this server buffer more.
   */
  public static final int HANDSHAKE_LINE_BYTES = 64 * 1024;
  /**
   * Longest line from a proven peer: an event carries one activity (maxMessageBytes, at most 64 MiB),
   * and a MESH_RELAY one event line as an escaped string (at most twice as long); the join snapshot
   * comes in parts.
   */
  public static final int MAX_LINE_BYTES = 129 * 1024 * 1024;

  private static final int PEER_WRITE_QUEUE_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final NetSocket socket;
  private final String serverId;
  private final boolean outbound;
  final String linkId = "L" + IDS.incrementAndGet();
  private final PeerHandshake handshake;
  private MessageConsumer<Line> consumer;
  private boolean closed;
  private String dialledHost;
  private int dialledPort;
  /** The framer of this socket: its line limit is raised once the other side has proved itself. */
  private LineFramer framer;

  private PeerLink(Vertx vertx, NetSocket socket, String serverId, boolean outbound) {
    this.vertx = vertx;
    this.socket = socket;
    this.serverId = serverId;
    this.outbound = outbound;
    this.handshake = new PeerHandshake(LOG, serverId, linkId, outbound, new Effects());
    socket.setWriteQueueMaxSize(PEER_WRITE_QUEUE_BYTES);
  }

  /**
   * The first line of an inbound connection was AUTHENTICATE. With a nonce: answers AUTH_CHALLENGE and
   * waits for the dialler's AUTH_PROOF. Without (classic {@code {secret}}): checks the secret if classic
   * authentication is allowed. Returns the link (lines go to {@link #onLine}), or null after
   * AUTHENTICATION_FAIL or INVALID_MESSAGE.
   */
  public static PeerLink accept(Vertx vertx, ServerConfig config, String serverId, NetSocket socket,
                                JsonObject auth) {
    PeerLink link = new PeerLink(vertx, socket, serverId, false);
    if (config.meshTls() && !hasPeerCertificate(socket)) {
      link.fail("server links on this server use TLS (meshTls): dial its tlsPort " + config.tlsPort()
          + " with a certificate signed by the mesh CA");
      return null;
    }
    if (!auth.containsKey(Fields.NONCE)) {
      return link.acceptClassic(config, auth) ? link : null;
    }
    String nonce = auth.getString(Fields.NONCE);
    String id = auth.getString(Fields.ID);
    if (auth.getInteger(Fields.VERSION, MeshAuth.VERSION) != MeshAuth.VERSION) {
      link.fail("mesh handshake version " + auth.getValue(Fields.VERSION) + " is not supported; expected "
          + MeshAuth.VERSION);
      return null;
    }
    if (!MeshAuth.validNonce(nonce)) {
      link.refuse(ProtocolError.invalid("field 'nonce' must be base64 of at least 16 random bytes"));
      return null;
    }
    if (id.equals(serverId)) {
      link.fail("a server link to this same server");
      return null;
    }
    link.handshake.accepted(config.secret(), auth);
    link.start();
    socket.write(link.handshake.challenge());
    return link;
  }

  /**
   * Classic {@code AUTHENTICATE {secret}}: only where {@link #classicAuthAllowed} says so. The secret
   * is dropped from the hello the core gets.
   */
  private boolean acceptClassic(ServerConfig config, JsonObject auth) {
    if (!classicAuthAllowed(config, socket)) {
      fail("classic AUTHENTICATE {secret} is off on this server's plaintext port (meshClassicAuth is false; "
          + "it is accepted over TLS on tlsPort): use the "
          + "challenge-response handshake (AUTHENTICATE with version " + MeshAuth.VERSION + " and a nonce)");
      return false;
    }
    if (!ConstantTime.equals(config.secret(), auth.getString(Fields.SECRET))) {
      fail("the supplied secret is incorrect");
      return false;
    }
    JsonObject h = auth.copy();
    h.remove(Fields.SECRET);
    start();
    handshake.upClassic(h);
    return true;
  }

  /**
   * Whether a classic AUTHENTICATE (the secret in clear) is accepted on this socket: on a TLS link
   * (the secret is not in clear there), or anywhere when {@code meshClassicAuth} is on.
   */
  static boolean classicAuthAllowed(ServerConfig config, NetSocket socket) {
    return config.meshClassicAuth() || socket.isSsl();
  }

  /**
   * A TLS socket whose peer presented a certificate. The TLS port requests client certificates and
   * the handshake fails for one that does not chain to tlsCaFile, so one presented here is the mesh's.
   */
  private static boolean hasPeerCertificate(NetSocket socket) {
    if (!socket.isSsl()) {
      return false;
    }
    try {
      return !socket.peerCertificates().isEmpty();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** An outbound socket that has sent AUTHENTICATE with {@code nonce}; it is up when MESH_WELCOME arrives. */
  static PeerLink connected(Vertx vertx, NetSocket socket, String serverId, String host, int port, String secret,
                            String nonce) {
    PeerLink link = new PeerLink(vertx, socket, serverId, true);
    link.dialledHost = host;
    link.dialledPort = port;
    link.handshake.dialled(secret, nonce);
    link.start();
    return link;
  }

  private void start() {
    consumer = vertx.eventBus().localConsumer(Addresses.linkOut(linkId), m -> {
      Line l = m.body();
      if (l.line() != null && !closed) {
        socket.write(l.line());
      }
      if (m.replyAddress() != null) {
        m.reply(Boolean.TRUE); // a flush marker: every earlier line of this link is written
      }
      if (l.close()) {
        close();
      } else if (socket.writeQueueFull()) {
        LOG.warn("[{}] link {} cannot keep up ({} bytes queued): closing it", serverId, linkId,
            PEER_WRITE_QUEUE_BYTES);
        close();
      }
    });
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(err -> LOG.debug("[{}] link {} error: {}", serverId, linkId, err.getMessage()));
  }

  /**
   * The framer that feeds {@link #onLine}: it starts at {@link #HANDSHAKE_LINE_BYTES} and is raised to
   * {@link #MAX_LINE_BYTES} once the other side's proof (or classic secret) has checked.
   */
  public void framedBy(LineFramer f) {
    framer = f;
    f.maxLineBytes(handshake.awaitingProof() ? HANDSHAKE_LINE_BYTES : MAX_LINE_BYTES);
  }

  public void onLine(String line) {
    if (closed) {
      return;
    }
    Decoded d = MessageCodec.decode(line);
    if (d.isError()) {
      refuse(d.error());
      return;
    }
    handshake.onLine(d);
  }

  public void onOverflow() {
    refuse(ProtocolError.invalid("line longer than the maximum message size"));
  }

  /** AUTHENTICATION_FAIL with {@code info} (never a secret), then close. */
  private void fail(String info) {
    LOG.warn("[{}] AUTHENTICATION_FAIL on server link {} ({}): {}", serverId, linkId, socket.remoteAddress(), info);
    socket.write(MessageCodec.reply(Command.AUTHENTICATION_FAIL, info));
    close();
  }

  private void refuse(ProtocolError e) {
    LOG.warn("[{}] link {}: {} {}", serverId, linkId, e.reply(), e.info());
    socket.write(MessageCodec.reply(e.reply(), e.info()));
    close();
  }

  private void close() {
    if (!closed) {
      closed = true;
      socket.end();
    }
  }

  private void onClosed() {
    closed = true;
    if (consumer != null) {
      consumer.unregister();
    }
    LOG.info("[{}] link {} closed", serverId, linkId);
    if (handshake.up()) {
      vertx.eventBus().send(Addresses.MESH_LINK_DOWN, linkId);
    } else if (outbound) {
      vertx.eventBus().send(Addresses.MESH_CONNECT_FAILED,
          new JsonObject().put(Fields.HOSTNAME, dialledHost).put(Fields.PORT, dialledPort));
    }
  }

  private final class Effects implements PeerHandshake.Effects {
    @Override
    public void write(Buffer line) {
      socket.write(line);
    }

    @Override
    public void fail(String info) {
      PeerLink.this.fail(info);
    }

    @Override
    public void refuse(ProtocolError e) {
      PeerLink.this.refuse(e);
    }

    @Override
    public void proven() {
      if (framer != null) {
        framer.maxLineBytes(MAX_LINE_BYTES);
      }
    }

    @Override
    public void up(JsonObject hello) {
      vertx.eventBus().send(Addresses.MESH_LINK_UP, new PeerIn(linkId, hello, true, outbound));
    }

    @Override
    public void in(JsonObject body, boolean refusal) {
      if (!refusal) {
        vertx.eventBus().send(Addresses.MESH_LINK_IN, new PeerIn(linkId, body, false, outbound));
        return;
      }
      vertx.eventBus().send(Addresses.MESH_LINK_IN, new PeerIn(linkId, body.copy()
          .put(Fields.VIA_HOSTNAME, dialledHost).put(Fields.VIA_PORT, dialledPort), false, true));
      PeerLink.this.close();
    }

    @Override
    public void close() {
      PeerLink.this.close();
    }
  }
}
