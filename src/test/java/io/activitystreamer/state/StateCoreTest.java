package io.activitystreamer.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sessions, backlogs, resume and per-sender order, on cores wired by the in-memory mesh. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StateCoreTest {

  private InMemoryMesh net;

  private InMemoryMesh mesh(StateOptions state, String... names) {
    net = new InMemoryMesh(new MeshOptions(100, 1000, 100, 250), state, 1);
    Node first = net.start(names[0]);
    for (int i = 1; i < names.length; i++) {
      net.join(names[i], first);
      net.runUntil(net::converged, 3000, names[i] + " joined");
    }
    return net;
  }

  private InMemoryMesh mesh(String... names) {
    return mesh(new StateOptions(1000, 3_600_000, 200, 100), names);
  }

  private void register(Node n, String user) {
    AtomicReference<Boolean> ok = n.register(user);
    net.runUntil(() -> ok.get() != null, 2000, "register " + user);
    assertEquals(Boolean.TRUE, ok.get());
    net.deliverAll();
  }

  private static JsonObject act(String user, int i) {
    return new JsonObject().put("n", i).put("authenticated_user", user);
  }

  private static int n(Buffer line) {
    return new JsonObject(line.toString().trim()).getJsonObject("activity").getInteger("n");
  }

  private static List<Integer> ns(List<Buffer> lines) {
    List<Integer> out = new ArrayList<>();
    lines.forEach(l -> out.add(n(l)));
    return out;
  }

  private static long eidN(Buffer line) {
    return new JsonObject(line.toString().trim()).getJsonObject("eid").getLong("n");
  }

  private static List<Integer> delivered(Node node) {
    List<Integer> out = new ArrayList<>();
    for (Delivery d : node.deliveries) {
      out.add(n(d.classicLine()));
    }
    return out;
  }

  @Test
  void backlogIsDeliveredAtTheNextLoginOldestFirstThenCleared() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    a.detach(ann.sessionId());
    net.run(500);
    for (int i = 1; i <= 5; i++) {
      b.send(bob, "bob", act("bob", i));
    }
    net.run(300);
    LoginResult again = c.login("ann");
    assertTrue(again.resumed());
    assertEquals(ann.sessionId(), again.sessionId());
    assertEquals(List.of(1, 2, 3, 4, 5), ns(again.backlog()));
    net.run(500);
    c.detach(again.sessionId());
    net.run(500);
    LoginResult third = a.login("ann");
    assertEquals(List.of(), ns(third.backlog()), "the backlog was cleared on every server");
  }

  @Test
  void classicRedeliveryWindowResendsOnlyWhatWasRecentlyWritten() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    b.send(bob, "bob", act("bob", 1));
    net.run(1000);
    b.send(bob, "bob", act("bob", 2));
    net.tick(100);
    a.detach(ann.sessionId()); // 100 ms after 2 was written to ann: within the 200 ms window
    net.run(500);
    LoginResult again = b.login("ann");
    assertEquals(List.of(2), ns(again.backlog()), "2 may have been lost in the broken connection; 1 was not");
  }

  /**
   * ann (classic, on {@code a}) is away while bob (on {@code b}) sends 1..3, for five redelivery windows;
   * then she logs in on {@code a} again and gets them as her backlog.
   */
  private LoginResult loginOnAnOldBacklog(Node a, Node b) {
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    a.detach(ann.sessionId());
    net.run(300);
    for (int i = 1; i <= 3; i++) {
      b.send(bob, "bob", act("bob", i));
    }
    net.run(1000); // the activities were applied long before the next login
    LoginResult again = a.login("ann");
    assertEquals(List.of(1, 2, 3), ns(again.backlog()));
    return again;
  }

  /**
   * A classic session away for longer than the window gets its backlog at the next login; if that
   * connection breaks at once, the backlog is owed again: it was written at the login, not when its
   * activities were applied (seen in a full-mesh restart soak, where every client logs in on a backlog).
   */
  @Test
  void backlogWrittenAtALoginIsOwedAgainWhenThatConnectionBreaksAtOnce() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    LoginResult again = loginOnAnOldBacklog(a, b);
    net.tick(50);
    a.detach(again.sessionId()); // 50 ms after the backlog was written: it may not have been read
    net.run(500);
    LoginResult third = b.login("ann");
    assertEquals(List.of(1, 2, 3), ns(third.backlog()), "the backlog may have been lost in the broken connection");
  }

  /** The same when the server dies right after the login: its progress does not cover the backlog it just wrote. */
  @Test
  void backlogWrittenJustBeforeItsServerDiedIsOwedElsewhere() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node c = net.node("c");
    loginOnAnOldBacklog(a, net.node("b"));
    net.run(150); // a few ticks: a announces its progress (sampled a window ago) while ann is attached
    net.kill(a, true);
    net.run(1500);
    LoginResult elsewhere = c.login("ann");
    assertTrue(elsewhere.resumed(), "the session of the dead server is taken over");
    assertEquals(List.of(1, 2, 3), ns(elsewhere.backlog()), "a's progress was sampled before ann got its backlog");
  }

  @Test
  void resumeContinuesExactlyOnceFromWhatTheClientReceived() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann", new JsonObject());
    LoginResult bob = b.login("bob");
    net.run(300);
    for (int i = 1; i <= 6; i++) {
      b.send(bob, "bob", act("bob", i));
    }
    net.deliverAll();
    // ann's client got 1..4 (eids), then its connection broke; a notices within the redelivery window
    List<Delivery> atA = a.deliveries;
    long fourth = eidN(atA.get(atA.size() - 3).resumeLine());
    net.tick(100);
    a.detach(ann.sessionId());
    net.run(300);
    JsonObject resume = new JsonObject().put("session", ann.sessionId())
        .put("received", new JsonObject().put(b.id, fourth));
    LoginResult again = b.login("ann", resume);
    assertEquals(ann.sessionId(), again.sessionId());
    assertEquals(List.of(5, 6), ns(again.backlog()));
    assertTrue(again.backlog().get(0).toString().contains("\"eid\""));
  }

  @Test
  void resumeWhileTheOldConnectionIsStillAttachedTakesTheSessionOver() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    LoginResult ann = a.login("ann", new JsonObject());
    net.run(300);
    LoginResult again = b.login("ann", new JsonObject().put("session", ann.sessionId()));
    assertEquals(ann.sessionId(), again.sessionId());
    net.deliverAll();
    assertEquals(List.of(ann.sessionId()), a.kicks, "a closes the old connection");
    assertEquals(b.id, a.state.sessions().get(ann.sessionId()).host());
    assertEquals(List.of(), b.kicks);
  }

  @Test
  void resumeSeqDropsResentActivities() {
    mesh("a");
    Node a = net.node("a");
    register(a, "ann");
    LoginResult ann = a.login("ann", new JsonObject());
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 1), 1, "c1", net.now()));
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 2), 2, "c1", net.now()));
    assertFalse(a.state.accept(ann.sessionId(), "ann", act("ann", 2), 2, "c1", net.now()));
    a.detach(ann.sessionId());
    LoginResult again = a.login("ann", new JsonObject().put("session", ann.sessionId()));
    assertEquals(2, again.lastSeq());
  }

  /**
   * A resume client that sends on both sides of a true partition: a accepts 1-2 (replicated), then the
   * partition; b accepts 3-4; back on a, whose lastSeq is still 2, the client (which saw 3-4 echoed)
   * sends 5. When the partition heals, b rejoins and carries 3-4 over as late events: a must deliver
   * them (a seq below the highest but never accepted is not a resend), and a resend of 5 must not.
   */
  @Test
  void activitiesAcceptedAcrossAPartitionAreNotTakenForResends() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    LoginResult ann = a.login("ann", new JsonObject());
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 1), 1, "c1", net.now()));
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 2), 2, "c1", net.now()));
    net.run(300);
    net.cut(a, b);
    net.run(3000); // past suspicion: each side holds the other dead
    a.detach(ann.sessionId());
    LoginResult onB = b.login("ann", new JsonObject().put("session", ann.sessionId()));
    assertEquals(2, onB.lastSeq());
    assertTrue(b.state.accept(ann.sessionId(), "ann", act("ann", 3), 3, "c2", net.now()));
    assertTrue(b.state.accept(ann.sessionId(), "ann", act("ann", 4), 4, "c2", net.now()));
    b.detach(ann.sessionId());
    LoginResult back = a.login("ann", new JsonObject().put("session", ann.sessionId()));
    assertEquals(2, back.lastSeq(), "a has not heard of 3-4");
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 5), 5, "c3", net.now()));
    net.heal(a, b);
    net.runUntil(() -> net.converged() && net.alive().size() == 2, 20_000, "partition healed");
    Node survivor = net.node("a").alive ? net.node("a") : net.node("b");
    List<Integer> got = delivered(net.node("a"));
    assertEquals(List.of(1, 2, 5, 3, 4), got, "a delivers the other side's 3-4 late, not drops them");
    assertFalse(a.state.accept(ann.sessionId(), "ann", act("ann", 4), 4, "c3", net.now()), "4 is a resend now");
    assertEquals(5, a.state.sessions().get(ann.sessionId()).lastSeq());
    assertEquals(a, survivor);
  }

  /**
   * During a long cut of the a-c link bridged by b, ann is connected on c; a classic LOGIN of ann on a
   * (a second device) must not take over the session c still holds (c is alive, only unlinked from a).
   */
  @Test
  void sessionOnAMemberReachedThroughOthersIsNotTakenOver() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node c = net.node("c");
    register(a, "ann");
    LoginResult onC = c.login("ann");
    net.cut(a, c);
    net.run(3000);
    AtomicReference<LoginResult> onA = a.loginWhenReady("ann", null);
    net.runUntil(() -> onA.get() != null, 3000, "login on a");
    net.run(1000);
    assertTrue(!onA.get().sessionId().equals(onC.sessionId()), "a second session, not c's");
    assertEquals(List.of(), c.kicks, "c's connection keeps its session");
    assertEquals(c.id, a.state.sessions().get(onC.sessionId()).host());
  }

  /**
   * c is dead; a short cut of the a-b link: a resume client sends 3-4 on a, which b cannot hear of, then
   * moves to b. b must not let it in before it knows what a holds (its link back, or its verdict): the
   * login completes once the cut heals, with lastSeq 4 and 3-4 applied before anything sent on b.
   */
  @Test
  void loginWaitsForAHostCutOffFromEveryone() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    net.kill(net.node("c"), false);
    net.run(3000); // c declared dead
    LoginResult ann = a.login("ann", new JsonObject());
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 1), 1, "c1", net.now()));
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 2), 2, "c1", net.now()));
    net.run(300);
    net.cut(a, b);
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 3), 3, "c1", net.now()));
    assertTrue(a.state.accept(ann.sessionId(), "ann", act("ann", 4), 4, "c1", net.now()));
    a.detach(ann.sessionId());
    AtomicReference<LoginResult> onB = b.loginWhenReady("ann", new JsonObject().put("session", ann.sessionId()));
    net.run(500);
    assertEquals(null, onB.get(), "waits while a is cut off from everyone b hears");
    net.heal(a, b);
    net.runUntil(() -> onB.get() != null, 2000, "login after the heal");
    assertEquals(4, onB.get().lastSeq());
  }

  /**
   * ann (resume) got bob's activity on c; a's lines to b are held up. Her LOGIN on b waits until b has
   * applied what she already received: answered earlier, b would deliver that activity to her live
   * when it arrives, a second time.
   */
  @Test
  void resumeLoginWaitsUntilWhatTheClientAlreadyGotIsAppliedHere() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    register(a, "ann");
    register(a, "bob");
    LoginResult ann = c.login("ann", new JsonObject());
    LoginResult bob = a.login("bob");
    net.run(300);
    net.hold(a, b);
    a.send(bob, "bob", act("bob", 1));
    net.deliverAll();
    long n = c.state.applied().get(a.id);
    c.detach(ann.sessionId());
    AtomicReference<LoginResult> onB = b.loginWhenReady("ann", new JsonObject().put("session", ann.sessionId())
        .put("received", new JsonObject().put(a.id, n)));
    net.run(400);
    assertEquals(null, onB.get(), "b has not applied bob's activity ann already has");
    net.release(a, b);
    net.runUntil(() -> onB.get() != null, 1500, "login once b has it");
    assertEquals(List.of(), onB.get().backlog(), "nothing again in the backlog either");
  }

  @Test
  void backlogBoundByCountDropsOldestAndReportsIt() {
    mesh(new StateOptions(5, 3_600_000, 200, 100), "a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    a.detach(ann.sessionId());
    net.run(500);
    for (int i = 1; i <= 8; i++) {
      b.send(bob, "bob", act("bob", i));
    }
    net.run(300);
    LoginResult again = a.login("ann");
    assertEquals(List.of(4, 5, 6, 7, 8), ns(again.backlog()));
    assertEquals(3, again.dropped());
  }

  @Test
  void backlogBoundByAgeDropsOldEntriesAndReportsThem() {
    mesh(new StateOptions(1000, 2000, 200, 100), "a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    a.detach(ann.sessionId());
    net.run(500);
    b.send(bob, "bob", act("bob", 1));
    b.send(bob, "bob", act("bob", 2));
    net.run(1500);
    b.send(bob, "bob", act("bob", 3));
    net.run(1000);
    LoginResult again = a.login("ann");
    assertEquals(List.of(3), ns(again.backlog()));
    assertEquals(2, again.dropped());
    assertTrue(a.state.droppedTotal() >= 2);
  }

  @Test
  void senderMovingServersKeepsItsOrderEverywhere() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    register(a, "ann");
    register(c, "cat");
    LoginResult cat = c.login("cat");
    LoginResult ann = a.login("ann", new JsonObject());
    net.run(300);
    // a's events to c are held up (a slow link), while ann moves from a to b
    List<io.activitystreamer.testing.InMemoryMesh.Msg> held = new ArrayList<>();
    net.drop(m -> m.from().equals("a") && m.to().equals("c") && m.command()
        == io.activitystreamer.protocol.Command.MESH_EVENT);
    a.send(ann, "ann", act("ann", 1));
    a.detach(ann.sessionId());
    net.deliverAll();
    LoginResult moved = b.login("ann", new JsonObject().put("session", ann.sessionId()));
    b.send(moved, "ann", act("ann", 2));
    net.deliverAll();
    assertEquals(List.of(), delivered(c), "2 must wait at c until 1 arrives");
    net.dropNothing();
    net.flap(a, c); // the lost events come back through the digests on the new link
    net.runUntil(net::converged, 2000, "c caught up");
    assertEquals(List.of(1, 2), delivered(c));
    assertEquals(List.of(1, 2), delivered(b));
  }

  /**
   * A classic client whose connection to a broke logs in on b before b has its last activity from a: the
   * LOGIN waits (as StateVerticle does) until a's detach, behind that activity, is applied at b; then
   * the new activity depends on the old one, and every server applies them in the sender's order (G4).
   */
  @Test
  void classicSenderMovingServersKeepsItsOrderEverywhere() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    register(a, "ann");
    LoginResult ann = a.login("ann");
    net.run(300);
    // a's links are slow: what it sends arrives late
    net.hold(a, b);
    net.hold(a, c);
    a.send(ann, "ann", act("ann", 1));
    AtomicReference<LoginResult> moved = b.loginWhenReady("ann", null);
    net.deliverAll();
    assertEquals(null, moved.get(), "b waits for a's events up to the detach");
    a.detach(ann.sessionId());
    net.release(a, b);
    net.deliverAll();
    net.runUntil(() -> moved.get() != null, 500, "login completes");
    b.send(moved.get(), "ann", act("ann", 2));
    net.deliverAll();
    assertEquals(List.of(), delivered(c), "2 waits at c for 1");
    net.release(a, c);
    net.runUntil(net::converged, 2000, "caught up");
    assertEquals(List.of(1, 2), delivered(c), "per-sender order at c");
    assertEquals(List.of(1), ns(moved.get().backlog()), "1 is redelivered (classic window), then 2 follows");
  }

  /**
   * As above, but b has not even heard of ann's session on a when she logs in there (a's lines to b are
   * held from before her LOGIN on a: SESSION_OPENED, her activity and the detach are all on their way).
   * b's LOGIN asks every linked member for a digest at once (the login sync) and waits for a's answer,
   * which follows those lines on the link; then 2 depends on 1 and every server applies 1 first (G4;
   * chaos seed 131 found this).
   */
  @Test
  void classicSenderMovingBeforeItsNewServerHeardOfItsSessionKeepsItsOrder() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    register(a, "ann");
    net.run(300);
    net.hold(a, b);
    LoginResult ann = a.login("ann");
    a.send(ann, "ann", act("ann", 1));
    a.detach(ann.sessionId());
    net.deliverAll();
    assertEquals(List.of(1), delivered(c));
    AtomicReference<LoginResult> moved = b.loginWhenReady("ann", null);
    net.run(500);
    assertEquals(null, moved.get(), "b waits for a's answer to its login sync, behind a's held lines");
    assertEquals(List.of(), delivered(b));
    net.release(a, b);
    net.runUntil(() -> moved.get() != null, 500, "login completes once a's lines and its answer arrive");
    assertTrue(b.state.sessions().containsKey(ann.sessionId()), "b knows the session ann left on a");
    b.send(moved.get(), "ann", act("ann", 2));
    net.runUntil(net::converged, 2000, "caught up");
    assertEquals(List.of(1, 2), delivered(b), "per-sender order at b");
    assertEquals(List.of(1, 2), delivered(c), "per-sender order at c");
  }

  @Test
  void logoutEndsTheSessionAndNothingIsOwedAfterIt() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(300);
    a.state.logout(ann.sessionId());
    net.deliverAll();
    assertFalse(b.state.sessions().containsKey(ann.sessionId()));
    b.send(bob, "bob", act("bob", 1));
    net.run(300);
    LoginResult again = a.login("ann");
    assertFalse(again.resumed());
    assertEquals(List.of(), again.backlog());
  }

  @Test
  void joiningServerServesOldUsersAndBacklogs() {
    mesh("a", "b");
    Node a = net.node("a");
    Node b = net.node("b");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    a.detach(ann.sessionId());
    net.run(500);
    b.send(bob, "bob", act("bob", 1));
    b.send(bob, "bob", act("bob", 2));
    net.deliverAll();
    Node c = net.join("c", a);
    net.runUntil(net::converged, 2000, "c joined");
    assertEquals(2, c.state.userCount());
    LoginResult again = c.login("ann");
    assertTrue(again.resumed());
    assertEquals(List.of(1, 2), ns(again.backlog()));
  }

  @Test
  void sessionsOfACrashedServerAreResumedElsewhere() {
    mesh("a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    register(a, "ann");
    register(b, "bob");
    LoginResult ann = a.login("ann");
    LoginResult bob = b.login("bob");
    net.run(500);
    b.send(bob, "bob", act("bob", 1));
    net.deliverAll();
    net.kill(a, true);
    b.send(bob, "bob", act("bob", 2));
    net.run(1500);
    LoginResult again = c.login("ann");
    assertTrue(again.resumed(), "the session of the dead server is taken over");
    assertTrue(ns(again.backlog()).contains(2), ns(again.backlog()).toString());
  }
}
