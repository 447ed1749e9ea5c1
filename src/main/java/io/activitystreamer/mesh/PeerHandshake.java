package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.ProtocolError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;

/**
 * The handshake of one peer link (docs/mesh.md "Authentication") and what its decoded lines mean in
 * each state; pure, {@link PeerLink} carries out the effects on its socket. The acceptor goes
 * {@code AWAIT_PROOF -> UP}, the dialler {@code AWAIT_CHALLENGE -> AWAIT_WELCOME (-> AWAIT_SNAPSHOT) -> UP}.
 * Its one invariant: nothing the other side sends is acted on before its proof has checked (the dialler
 * acts only on a refusal as dead in AWAIT_WELCOME, after the acceptor's proof).
 */
final class PeerHandshake {
  /** What the handshake asks of its link. */
  interface Effects {
    void write(Buffer line);

    /** AUTHENTICATION_FAIL with {@code info} (never a secret), then close. */
    void fail(String info);

    /** The error's reply, then close. */
    void refuse(ProtocolError e);

    /** The other side's proof (or classic secret) checked: proven-peer lines from now on. */
    void proven();

    /** The link is up: {@code hello} goes to the core. */
    void up(JsonObject hello);

    /** A line from the peer for the core ({@code refusal}: a MEMBER_DEAD refusing our link, then close). */
    void in(JsonObject body, boolean refusal);

    void close();
  }

  private enum State { AWAIT_CHALLENGE, AWAIT_WELCOME, AWAIT_SNAPSHOT, AWAIT_PROOF, UP }

  private final Logger log;
  private final String serverId;
  private final String linkId;
  private final boolean outbound;
  private final Effects fx;
  private State state;
  // the proof key, both nonces, the peer's id (as proved), the acceptor's hello to hand on
  private byte[] key;
  private String diallerNonce;
  private String acceptorNonce;
  private String peerId;
  private JsonObject hello;
  /** The join snapshot arriving in parts after MESH_WELCOME. */
  private SnapshotAssembler snapshot;

  PeerHandshake(Logger log, String serverId, String linkId, boolean outbound, Effects fx) {
    this.log = log;
    this.serverId = serverId;
    this.linkId = linkId;
    this.outbound = outbound;
    this.fx = fx;
  }

  /** Dialler: AUTHENTICATE with {@code nonce} was sent; AUTH_CHALLENGE is awaited. */
  void dialled(String secret, String nonce) {
    key = MeshAuth.key(secret);
    diallerNonce = nonce;
    state = State.AWAIT_CHALLENGE;
  }

  /** Acceptor: the dialler's AUTHENTICATE {@code auth} (valid nonce, another id); answers AUTH_CHALLENGE. */
  void accepted(String secret, JsonObject auth) {
    key = MeshAuth.key(secret);
    diallerNonce = auth.getString(Fields.NONCE);
    acceptorNonce = MeshAuth.nonce();
    peerId = auth.getString(Fields.ID);
    hello = auth.copy();
    state = State.AWAIT_PROOF;
  }

  /** The acceptor's AUTH_CHALLENGE, once {@link #accepted} and the link is started. */
  Buffer challenge() {
    return PeerMessages.challenge(acceptorNonce, serverId, MeshAuth.proof(key, MeshAuth.ROLE_SERVER,
        diallerNonce, acceptorNonce, peerId, serverId));
  }

  /** Classic AUTHENTICATE {secret} checked: up at once with {@code peerHello}. */
  void upClassic(JsonObject peerHello) {
    fx.proven();
    markUp(peerHello);
  }

  boolean up() {
    return state == State.UP;
  }

  /** Before the other side's proof (or classic secret) has checked. */
  boolean awaitingProof() {
    return state == State.AWAIT_CHALLENGE || state == State.AWAIT_PROOF;
  }

  private void markUp(JsonObject peerHello) {
    state = State.UP;
    key = null;
    fx.up(peerHello);
  }

  void onLine(Decoded d) {
    if (d.command() == Command.AUTHENTICATE && !outbound || d.command() == Command.AUTHENTICATE && state == State.UP) {
      fx.refuse(ProtocolError.invalid("AUTHENTICATE on an already authenticated link"));
      return;
    }
    if (d.command() == Command.AUTHENTICATION_FAIL && state != State.UP) {
      log.error("[{}] the peer on link {} refused our authentication: {}", serverId, linkId, d.string(Fields.INFO));
      fx.close();
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
      fx.fail("expected AUTH_CHALLENGE (the peer's proof), got " + d.command() + ": nothing is accepted before it");
      return;
    }
    String nonce = d.string(Fields.NONCE);
    String id = d.string(Fields.ID);
    if (!MeshAuth.validNonce(nonce) || id.equals(serverId)
        || !MeshAuth.verify(key, d.string(Fields.PROOF), MeshAuth.ROLE_SERVER, diallerNonce, nonce, serverId, id)) {
      fx.fail("the mesh authentication proof is incorrect");
      return;
    }
    acceptorNonce = nonce;
    peerId = id;
    state = State.AWAIT_WELCOME;
    fx.proven();
    fx.write(PeerMessages.proof(MeshAuth.proof(key, MeshAuth.ROLE_CLIENT, diallerNonce, nonce, serverId, id)));
  }

  /** Dialler, the acceptor proved itself: MESH_WELCOME from that same id, or a refusal as dead. */
  private void onWelcome(Decoded d) {
    if (d.command() == Command.MESH_WELCOME && peerId.equals(d.string(Fields.ID))) {
      try {
        snapshot = SnapshotAssembler.of(d.body());
      } catch (IllegalArgumentException e) {
        fx.refuse(ProtocolError.invalid(e.getMessage()));
        return;
      }
      if (snapshot == null) {
        markUp(d.body());
      } else {
        state = State.AWAIT_SNAPSHOT;
      }
    } else if (d.command() == Command.MEMBER_DEAD) {
      fx.in(d.body(), true);
    } else {
      fx.refuse(ProtocolError.invalid("expected MESH_WELCOME from " + peerId + ", got " + d.command()));
    }
  }

  /** Dialler: the parts of the join snapshot, in order; the link is up (with the snapshot) after the last. */
  private void onSnapshotPart(Decoded d) {
    JsonObject welcome;
    try {
      welcome = snapshot.add(d);
    } catch (IllegalArgumentException e) {
      fx.refuse(ProtocolError.invalid(e.getMessage()));
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
      fx.fail("expected AUTH_PROOF, got " + d.command() + ": nothing is accepted before it");
      return;
    }
    if (!MeshAuth.verify(key, d.string(Fields.PROOF), MeshAuth.ROLE_CLIENT, diallerNonce, acceptorNonce, peerId,
        serverId)) {
      fx.fail("the mesh authentication proof is incorrect");
      return;
    }
    log.info("[{}] link {} from {} authenticated", serverId, linkId, peerId);
    fx.proven();
    markUp(hello);
    hello = null;
  }

  private void onUpLine(Decoded d) {
    if (!d.command().fromServer() || d.command() == Command.MESH_WELCOME) {
      fx.refuse(ProtocolError.invalid("command " + d.command() + " is not accepted on a server link"));
      return;
    }
    if (d.command() == Command.INVALID_MESSAGE || d.command() == Command.AUTHENTICATION_FAIL) {
      log.warn("[{}] peer on link {} refused our message: {}", serverId, linkId, d.string(Fields.INFO));
      fx.close();
      return;
    }
    fx.in(d.body(), false);
  }
}
