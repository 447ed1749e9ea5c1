package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The peer handshake without sockets: a dialler and an acceptor wired line by line. */
class PeerHandshakeTest {

  /** What a handshake asked of its link, in order; {@code lines} are the lines it wrote. */
  private static final class Rec implements PeerHandshake.Effects {
    final List<String> effects = new ArrayList<>();
    final List<Buffer> lines = new ArrayList<>();
    JsonObject upHello;

    @Override public void write(Buffer line) { lines.add(line); effects.add("write"); }
    @Override public void fail(String info) { effects.add("fail:" + info); }
    @Override public void refuse(ProtocolError e) { effects.add("refuse:" + e.info()); }
    @Override public void proven() { effects.add("proven"); }
    @Override public void up(JsonObject hello) { upHello = hello; effects.add("up"); }
    @Override public void in(JsonObject body, boolean refusal) { effects.add((refusal ? "refusal:" : "in:") + body.getString(Fields.COMMAND)); }
    @Override public void close() { effects.add("close"); }
  }

  private final Rec dialler = new Rec();
  private final Rec acceptor = new Rec();
  private final PeerHandshake d = new PeerHandshake(LoggerFactory.getLogger(PeerHandshakeTest.class), "d#1", "L1", true, dialler);
  private final PeerHandshake a = new PeerHandshake(LoggerFactory.getLogger(PeerHandshakeTest.class), "a#1", "L2", false, acceptor);

  private static void feed(PeerHandshake h, Buffer line) {
    h.onLine(MessageCodec.decode(line.toString().trim()));
  }

  /** The dialler's AUTHENTICATE reaches the acceptor; returns the acceptor's AUTH_CHALLENGE. */
  private Buffer start(String diallerSecret, String acceptorSecret) {
    String nonce = MeshAuth.nonce();
    d.dialled(diallerSecret, nonce);
    Buffer auth = PeerMessages.authenticate(nonce, "d#1", "d", "localhost", 1, 0, false);
    a.accepted(acceptorSecret, MessageCodec.decode(auth.toString().trim()).body());
    return a.challenge();
  }

  private static Buffer welcome() {
    return PeerMessages.welcome("a#1", "a", "localhost", 2, 0, new JsonArray(), null);
  }

  @Test
  void bothSidesAreUpAfterTheProofsAndTheWelcome() {
    Buffer challenge = start("s", "s");
    assertTrue(d.awaitingProof() && a.awaitingProof());
    feed(d, challenge);
    assertEquals(List.of("proven", "write"), dialler.effects, "the acceptor's proof checked, ours sent");
    assertFalse(d.awaitingProof());
    assertFalse(d.up(), "up only with MESH_WELCOME");
    feed(a, dialler.lines.get(0));
    assertEquals(List.of("proven", "up"), acceptor.effects);
    assertEquals("d#1", acceptor.upHello.getString(Fields.ID));
    assertTrue(a.up());
    feed(d, welcome());
    assertEquals("up", dialler.effects.get(2));
    assertTrue(d.up());
    assertEquals("a#1", dialler.upHello.getString(Fields.ID));
    feed(d, MessageCodec.encode(Command.MESH_DIGEST, new JsonObject()));
    assertEquals("in:MESH_DIGEST", dialler.effects.get(3), "an up link hands lines to the core");
  }

  @Test
  void anotherSecretFailsAtTheFirstProofAndNothingIsUp() {
    feed(d, start("s", "other"));
    assertEquals(List.of("fail:the mesh authentication proof is incorrect"), dialler.effects);
    assertFalse(d.up());
  }

  @Test
  void aDiallerWithAnotherSecretIsRefusedByTheAcceptor() {
    start("s", "s");
    // a dialler that knows no secret answers with a proof of its own making
    feed(a, PeerMessages.proof(MeshAuth.proof(MeshAuth.key("guess"), MeshAuth.ROLE_CLIENT, "n", "n", "d#1", "a#1")));
    assertEquals(List.of("fail:the mesh authentication proof is incorrect"), acceptor.effects);
    assertFalse(a.up());
  }

  @Test
  void nothingIsHandedOnBeforeTheProof() {
    start("s", "s");
    feed(a, MessageCodec.encode(Command.MESH_EVENT, new JsonObject()));
    assertEquals(List.of("fail:expected AUTH_PROOF, got MESH_EVENT: nothing is accepted before it"), acceptor.effects);
    feed(d, PeerMessages.memberDead("d#1"));
    assertEquals(List.of("fail:expected AUTH_CHALLENGE (the peer's proof), got MEMBER_DEAD: nothing is accepted "
        + "before it"), dialler.effects, "a refusal as dead counts only after the acceptor's proof");
  }

  @Test
  void aRefusalAsDeadAfterTheAcceptorsProofGoesToTheCore() {
    feed(d, start("s", "s"));
    feed(d, PeerMessages.refusedAsDead("d#1", "a#1", 3));
    assertEquals("refusal:MEMBER_DEAD", dialler.effects.get(2));
    assertFalse(d.up());
  }

  @Test
  void anUpLinkRefusesHandshakeLines() {
    feed(d, start("s", "s"));
    feed(d, welcome());
    feed(d, welcome());
    assertEquals("refuse:command MESH_WELCOME is not accepted on a server link", dialler.effects.get(3));
    feed(a, dialler.lines.get(0));
    feed(a, PeerMessages.authenticate(MeshAuth.nonce(), "d#1", "d", "localhost", 1, 0, false));
    assertEquals("refuse:AUTHENTICATE on an already authenticated link", acceptor.effects.get(2));
  }
}
