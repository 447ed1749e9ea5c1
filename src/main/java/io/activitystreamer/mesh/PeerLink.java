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
import io.activitystreamer.state.Secrets;
import io.vertx.core.Vertx;
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
 * Runs on the event loop of the verticle that opened or accepted the socket.
 *
 * <p>The handshake is a small state machine: the acceptor goes {@code AWAIT_PROOF -> UP}, the dialler
 * {@code AWAIT_CHALLENGE -> AWAIT_WELCOME -> UP}. Its one invariant: nothing the other side sends is
 * acted on before its proof has checked (the dialler acts only on a refusal as dead in AWAIT_WELCOME,
 * after the acceptor's proof). The mesh secret is never written on the socket nor logged.
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

  private enum State { AWAIT_CHALLENGE, AWAIT_WELCOME, AWAIT_SNAPSHOT, AWAIT_PROOF, UP }

  private final Vertx vertx;
  private final NetSocket socket;
  private final String serverId;
  private final boolean outbound;
  final String linkId = "L" + IDS.incrementAndGet();
  private MessageConsumer<Line> consumer;
  private State state;
  private boolean closed;
  private String dialledHost;
  private int dialledPort;
  // handshake: the proof key, both nonces, the peer's id (as proved), the acceptor's hello to hand on
  private byte[] key;
  private String diallerNonce;
  private String acceptorNonce;
  private String peerId;
  private JsonObject hello;
  /** The framer of this socket: its line limit is raised once the other side has proved itself. */
  private LineFramer framer;
  /** The join snapshot arriving in parts after MESH_WELCOME. */
  private SnapshotAssembler snapshot;

  private PeerLink(Vertx vertx, NetSocket socket, String serverId, boolean outbound) {
    this.vertx = vertx;
    this.socket = socket;
    this.serverId = serverId;
    this.outbound = outbound;
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
    link.key = MeshAuth.key(config.secret());
    link.diallerNonce = nonce;
    link.acceptorNonce = MeshAuth.nonce();
    link.peerId = id;
    link.hello = auth.copy();
    link.state = State.AWAIT_PROOF;
    link.start();
    socket.write(PeerMessages.challenge(link.acceptorNonce, serverId, MeshAuth.proof(link.key, MeshAuth.ROLE_SERVER,
        nonce, link.acceptorNonce, id, serverId)));
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
    if (!Secrets.constantTimeEquals(config.secret(), auth.getString(Fields.SECRET))) {
      fail("the supplied secret is incorrect");
      return false;
    }
    JsonObject h = auth.copy();
    h.remove(Fields.SECRET);
    start();
    proven();
    markUp(h);
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
    link.key = MeshAuth.key(secret);
    link.diallerNonce = nonce;
    link.state = State.AWAIT_CHALLENGE;
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
    boolean awaitingProof = state == State.AWAIT_CHALLENGE || state == State.AWAIT_PROOF;
    f.maxLineBytes(awaitingProof ? HANDSHAKE_LINE_BYTES : MAX_LINE_BYTES);
  }

  /** The other side's proof (or classic secret) checked: proven-peer lines from now on. */
  private void proven() {
    if (framer != null) {
      framer.maxLineBytes(MAX_LINE_BYTES);
    }
  }

  private void markUp(JsonObject peerHello) {
    state = State.UP;
    key = null;
    vertx.eventBus().send(Addresses.MESH_LINK_UP, new PeerIn(linkId, peerHello, true, outbound));
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
    if (d.command() == Command.AUTHENTICATE && !outbound || d.command() == Command.AUTHENTICATE && state == State.UP) {
      refuse(ProtocolError.invalid("AUTHENTICATE on an already authenticated link"));
      return;
    }
    if (d.command() == Command.AUTHENTICATION_FAIL && state != State.UP) {
      LOG.error("[{}] the peer on link {} refused our authentication: {}", serverId, linkId, d.string(Fields.INFO));
      close();
      return;
    }
    switch (state) {
      case AWAIT_CHALLENGE -> onChallenge(d);
      case AWAIT_WELCOME -> onWelcome(d);
      case AWAIT_SNAPSHOT -> onSnapshotPart(d);
      case AWAIT_PROOF -> onProof(d);
      case UP -> onUpLine(d);
    }
  }

  /** Dialler: the acceptor's nonce and proof; nothing else is accepted before it checks. */
  private void onChallenge(Decoded d) {
    if (d.command() != Command.AUTH_CHALLENGE) {
      fail("expected AUTH_CHALLENGE (the peer's proof), got " + d.command() + ": nothing is accepted before it");
      return;
    }
    String nonce = d.string(Fields.NONCE);
    String id = d.string(Fields.ID);
    if (!MeshAuth.validNonce(nonce) || id.equals(serverId)
        || !MeshAuth.verify(key, d.string(Fields.PROOF), MeshAuth.ROLE_SERVER, diallerNonce, nonce, serverId, id)) {
      fail("the mesh authentication proof is incorrect");
      return;
    }
    acceptorNonce = nonce;
    peerId = id;
    state = State.AWAIT_WELCOME;
    proven();
    socket.write(PeerMessages.proof(MeshAuth.proof(key, MeshAuth.ROLE_CLIENT, diallerNonce, nonce, serverId, id)));
  }

  /** Dialler, the acceptor proved itself: MESH_WELCOME from that same id, or a refusal as dead. */
  private void onWelcome(Decoded d) {
    if (d.command() == Command.MESH_WELCOME && peerId.equals(d.string(Fields.ID))) {
      try {
        snapshot = SnapshotAssembler.of(d.body());
      } catch (IllegalArgumentException e) {
        refuse(ProtocolError.invalid(e.getMessage()));
        return;
      }
      if (snapshot == null) {
        markUp(d.body());
      } else {
        state = State.AWAIT_SNAPSHOT;
      }
    } else if (d.command() == Command.MEMBER_DEAD) {
      vertx.eventBus().send(Addresses.MESH_LINK_IN, new PeerIn(linkId, d.body().copy()
          .put(Fields.VIA_HOSTNAME, dialledHost).put(Fields.VIA_PORT, dialledPort), false, true));
      close();
    } else {
      refuse(ProtocolError.invalid("expected MESH_WELCOME from " + peerId + ", got " + d.command()));
    }
  }

  /** Dialler: the parts of the join snapshot, in order; the link is up (with the snapshot) after the last. */
  private void onSnapshotPart(Decoded d) {
    JsonObject welcome;
    try {
      welcome = snapshot.add(d);
    } catch (IllegalArgumentException e) {
      refuse(ProtocolError.invalid(e.getMessage()));
      return;
    }
    if (welcome != null) {
      snapshot = null;
      markUp(welcome);
    }
  }

  /** Acceptor: the dialler's proof; until it checks, nothing it sent is handed to the core. */
  private void onProof(Decoded d) {
    if (d.command() != Command.AUTH_PROOF) {
      fail("expected AUTH_PROOF, got " + d.command() + ": nothing is accepted before it");
      return;
    }
    if (!MeshAuth.verify(key, d.string(Fields.PROOF), MeshAuth.ROLE_CLIENT, diallerNonce, acceptorNonce, peerId,
        serverId)) {
      fail("the mesh authentication proof is incorrect");
      return;
    }
    LOG.info("[{}] link {} from {} authenticated", serverId, linkId, peerId);
    proven();
    markUp(hello);
    hello = null;
  }

  private void onUpLine(Decoded d) {
    if (!d.command().fromServer() || d.command() == Command.MESH_WELCOME) {
      refuse(ProtocolError.invalid("command " + d.command() + " is not accepted on a server link"));
      return;
    }
    if (d.command() == Command.INVALID_MESSAGE || d.command() == Command.AUTHENTICATION_FAIL) {
      LOG.warn("[{}] peer on link {} refused our message: {}", serverId, linkId, d.string(Fields.INFO));
      close();
      return;
    }
    vertx.eventBus().send(Addresses.MESH_LINK_IN, new PeerIn(linkId, d.body(), false, outbound));
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
    if (state == State.UP) {
      vertx.eventBus().send(Addresses.MESH_LINK_DOWN, linkId);
    } else if (outbound) {
      vertx.eventBus().send(Addresses.MESH_CONNECT_FAILED,
          new JsonObject().put(Fields.HOSTNAME, dialledHost).put(Fields.PORT, dialledPort));
    }
  }
}
