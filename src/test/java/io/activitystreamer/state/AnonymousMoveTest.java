package io.activitystreamer.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An anonymous resume client moved by its server (issue 14.6): its position becomes a moving session
 * (StateCore.park) that the next anonymous LOGIN presenting the REDIRECT's token continues on another
 * server (StateCore.resumeAnonymous), once; a forged, used or expired token is simply no resume.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AnonymousMoveTest {
  private static final long TTL = 1000;
  private InMemoryMesh net;
  private Node a;
  private Node b;

  private void twoServers() {
    net = InMemoryMesh.standard(1);
    a = net.start("a");
    b = net.join("b", a);
    net.runUntil(net::converged, 3000, "b joined");
  }

  private static JsonObject act(int i) {
    return new JsonObject().put("n", i).put("authenticated_user", "anonymous");
  }

  private static List<Integer> ns(List<Buffer> lines) {
    List<Integer> out = new ArrayList<>();
    lines.forEach(l -> out.add(new JsonObject(l.toString().trim()).getJsonObject("activity").getInteger("n")));
    return out;
  }

  private static List<Integer> sorted(List<Integer> xs) {
    List<Integer> out = new ArrayList<>(xs);
    out.sort(null);
    return out;
  }

  /** An anonymous activity accepted on {@code n} from an unreplicated anonymous session. */
  private void publish(Node n, int i) {
    n.state.accept("anonymous:" + n.id + "/pub", "anonymous", act(i), 0, "pub", net.now());
    n.afterInput();
  }

  private static JsonObject token(String t) {
    return new JsonObject().put("token", t);
  }

  /** a redirects its anonymous client (logged in before activity 1); 1-2 reach it there; 3-5 come while it moves. */
  private String moveFromA(String token) {
    Vector atLogin = a.state.applied().copy();
    publish(a, 1);
    publish(b, 2);
    net.deliverAll();
    net.run(200); // the freeze fixes what was written at least 100 ms ago (a sample that old holds 1-2)
    String moving = a.state.park(token, atLogin, 7, net.now() + TTL, net.now());
    a.afterInput();
    for (int i = 3; i <= 5; i++) {
      publish(i % 2 == 0 ? a : b, i);
    }
    a.state.detach(moving, net.now(), true, null); // REDIRECT written, connection closed
    a.afterInput();
    net.deliverAll();
    return moving;
  }

  @Test
  void theTokenContinuesTheMovedPositionOnAnotherServerOnce() {
    twoServers();
    String moving = moveFromA("tok-1");
    assertTrue(b.state.loginWaitsFor("anonymous", token("tok-1")).isEmpty(), "detached: nothing to wait for");
    LoginResult r = b.state.resumeAnonymous("anonymous:b/c1", token("tok-1"), net.now());
    b.afterInput();
    assertEquals("anonymous:b/c1", r.sessionId());
    assertEquals(List.of(3, 4, 5), sorted(ns(r.backlog())), "everything after what it was written before the freeze");
    assertEquals(7, r.lastSeq());
    assertTrue(r.placed(), "just moved: not redirected again at once");
    assertTrue(r.backlog().get(0).toString().contains("\"eid\""));
    net.deliverAll();
    assertFalse(a.state.sessions().containsKey(moving), "closed everywhere: a token resumes once");
    assertNull(b.state.resumeAnonymous("anonymous:b/c2", token("tok-1"), net.now()), "a used token");
    assertNull(a.state.resumeAnonymous("anonymous:a/c3", token("tok-1"), net.now()), "a used token, elsewhere");
  }

  /**
   * The moved client's old connection stays open (it has not closed after the REDIRECT) while its server
   * goes on announcing the progress of its attached sessions: a LOGIN elsewhere that stops waiting for
   * the detach (after LoginSync.MAX_MILLIS) still gets what was published since the move.
   */
  @Test
  void aMoveWhoseOldConnectionStaysOpenStillResumesFromTheMove() {
    twoServers();
    Vector atLogin = a.state.applied().copy();
    publish(a, 1);
    publish(b, 2);
    net.deliverAll();
    net.run(200);
    String token = a.state.newToken();
    a.state.park(token, atLogin, 0, net.now() + 10 * TTL, net.now());
    a.afterInput();
    for (int i = 3; i <= 5; i++) {
      publish(i % 2 == 0 ? a : b, i);
    }
    net.run(LoginSync.MAX_MILLIS + 1500); // a's HOST_PROGRESS now covers 3-5; no detach
    assertEquals(Set.of(a.id), b.state.loginWaitsFor("anonymous", token(token)), "still attached on a");
    LoginResult r = b.state.resumeAnonymous("anonymous:b/c1", token(token), net.now());
    assertEquals(List.of(3, 4, 5), sorted(ns(r.backlog())), "what was published since the move, not its host's progress");
  }

  @Test
  void aLoginThatPresentsATokenNotKnownYetWaitsForItsIssuer() {
    twoServers();
    String token = a.state.newToken();
    a.state.park(token, a.state.applied().copy(), 0, net.now() + TTL, net.now());
    a.afterInput(); // the moved position goes out to b, which has not applied it yet
    assertNull(b.state.resumeAnonymous("anonymous:b/c0", token(token), net.now()), "not known on b yet");
    assertEquals(Set.of(a.id), b.state.loginWaitsFor("anonymous", token(token)),
        "the issuer's SESSION_OPENED may be on its way: wait for a, as a takeover does");
    assertTrue(b.state.loginWaitsFor("anonymous", token("forged-without-issuer")).isEmpty());
    assertTrue(a.state.loginWaitsFor("anonymous", token(a.id + "~unknown")).isEmpty(), "its own: known or none");
  }

  @Test
  void receivedTrimsTheBacklogToWhatTheClientLacks() {
    twoServers();
    moveFromA("tok-2");
    // its old connection still got 4 (of a) after the freeze, and it says so: of b it got only 2
    JsonObject resume = token("tok-2").put("received", new JsonObject().put(a.id, a.state.applied().get(a.id))
        .put(b.id, 1));
    LoginResult r = b.state.resumeAnonymous("anonymous:b/c1", resume, net.now());
    assertEquals(List.of(3, 5), ns(r.backlog()));
  }

  @Test
  void aForgedOrExpiredTokenIsNoResume() {
    twoServers();
    String moving = moveFromA("tok-3");
    assertNull(b.state.resumeAnonymous("anonymous:b/c1", token("tok-4"), net.now()), "forged");
    assertNull(b.state.resumeAnonymous("anonymous:b/c1", new JsonObject(), net.now()), "no token");
    assertTrue(b.state.loginWaitsFor("anonymous", token("tok-4")).isEmpty());
    assertTrue(b.state.resumesMove(token("tok-3"), net.now()));
    net.tick(TTL);
    assertFalse(b.state.resumesMove(token("tok-3"), net.now()), "expired");
    assertNull(b.state.resumeAnonymous("anonymous:b/c1", token("tok-3"), net.now()), "expired");
    // its issuer closes it a little later (its backlog no longer held for it)
    net.run(StateCore.TOKEN_CLOSE_GRACE_MILLIS + 500);
    assertFalse(a.state.sessions().containsKey(moving));
    assertFalse(b.state.sessions().containsKey(moving));
  }

  @Test
  void aLoginWithTheTokenWaitsForTheMovesDetach() {
    twoServers();
    Vector atLogin = a.state.applied().copy();
    net.run(200);
    String moving = a.state.park("tok-5", atLogin, 0, net.now() + TTL, net.now());
    a.afterInput();
    net.deliverAll();
    assertEquals(Set.of(a.id), b.state.loginWaitsFor("anonymous", token("tok-5")), "still attached on a");
    assertEquals(Set.of(), b.state.loginWaitsFor("anonymous", token("tok-6")));
    assertNotEquals(null, b.state.sessions().get(moving).host());
    a.state.detach(moving, net.now(), true, null);
    a.afterInput();
    net.deliverAll();
    assertEquals(Set.of(), b.state.loginWaitsFor("anonymous", token("tok-5")));
  }

  /**
   * G4 across the move: the client sends 1 on a while its REDIRECT is on its way, then 2 on b. a's
   * activities to c are held up: c must not deliver 2 before 1.
   */
  @Test
  void whatItSendsAfterTheMoveFollowsWhatItSentBeforeEverywhere() {
    net = InMemoryMesh.standard(1);
    a = net.start("a");
    b = net.join("b", a);
    net.runUntil(net::converged, 3000, "b joined");
    Node c = net.join("c", a);
    net.runUntil(net::converged, 3000, "c joined");
    Vector atLogin = a.state.applied().copy();
    // a's activities to c are held up (its session events pass)
    net.drop(m -> m.from().equals("a") && m.to().equals("c")
        && m.command() == io.activitystreamer.protocol.Command.MESH_EVENT
        && "ACTIVITY".equals(m.body().getJsonObject("event").getString("type")));
    net.run(200);
    String moving = a.state.park("tok-7", atLogin, 0, net.now() + TTL, net.now());
    a.afterInput();
    // sent while its REDIRECT was on its way: the moving session's own (StateVerticle maps it)
    a.state.accept(moving, "anonymous", act(1), 1, "mover", net.now());
    a.state.detach(moving, net.now(), true, null);
    a.afterInput();
    net.deliverAll();
    LoginResult r = b.state.resumeAnonymous("anonymous:b/mover", token("tok-7"), net.now());
    b.afterInput();
    assertEquals(1, r.lastSeq());
    b.state.accept("anonymous:b/mover", "anonymous", act(2), 2, "mover", net.now());
    b.afterInput();
    net.deliverAll();
    assertEquals(List.of(), ns(deliveredLines(c)), "2 waits at c until 1 arrives");
    net.dropNothing();
    net.flap(a, c);
    net.runUntil(net::converged, 2000, "c caught up");
    assertEquals(List.of(1, 2), ns(deliveredLines(c)));
  }

  private static List<Buffer> deliveredLines(Node n) {
    List<Buffer> out = new ArrayList<>();
    n.deliveries.forEach(d -> out.add(d.classicLine()));
    return out;
  }
}
