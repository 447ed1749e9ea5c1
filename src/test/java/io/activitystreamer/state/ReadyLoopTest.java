package io.activitystreamer.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The order of effects of the production {@link ReadyLoop} (persist, send to the links, written, then
 * deliver locally and reply), without sockets: on the loop alone, and on two servers of the in-memory
 * mesh whose first one holds its link writes ({@link Node#holdWrites}) until the test acknowledges
 * them, so a delivery or reply released early is seen ({@link Node#earlyReleases}) and a server killed
 * right after a reply shows what its peer really has.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadyLoopTest {

  // ---- the loop alone ----

  private static class Direct implements ReadyLoop.Direct {
    int pending;

    @Override
    public void kick(String sessionId) {}

    @Override
    public void connect(String hostname, int port, boolean join) {}

    @Override
    public void membersChanged() {}

    @Override
    public void inTransit(String target) {}

    @Override
    public void rejoin(String hostname, int port) {}

    @Override
    public void pending() {
      pending++;
    }
  }

  private static Delivery delivery(int n) {
    Buffer line = Buffer.buffer("{\"n\":" + n + "}\n");
    return new Delivery(line, line, "c1");
  }

  private static ReadyLoop<String> loop() {
    return new ReadyLoop<>(new Direct());
  }

  @Test
  void aBatchWaitsForTheLinksOfItsEventsWhateverOrderTheyCameIn() {
    for (boolean deliverFirst : new boolean[] {true, false}) {
      ReadyLoop<String> loop = loop();
      if (deliverFirst) {
        loop.deliver(delivery(1));
        loop.send("L1", Buffer.buffer("event 1\n"));
      } else {
        loop.send("L1", Buffer.buffer("event 1\n"));
        loop.deliver(delivery(1));
      }
      Ready.Sending<String> s = loop.ready().persisted();
      assertEquals("event 1\n", s.lines().get("L1").toString());
      assertEquals(Set.of("L1"), s.awaits(), "deliver first: " + deliverFirst);
      List<Ready.Output<String>> out = s.written();
      assertEquals(1, out.size());
      assertEquals(1, ((Ready.Deliver<String>) out.get(0)).batch().count());
    }
  }

  @Test
  void linesOfAReadyThatReleasesNothingAreWaitedForByTheNextOneThatDoes() {
    ReadyLoop<String> loop = loop();
    loop.send("L1", Buffer.buffer("a\n"));
    Ready.Sending<String> first = loop.ready().persisted();
    assertEquals(Set.of(), first.awaits());
    assertEquals(List.of(), first.written());
    loop.send("L2", Buffer.buffer("b\n"));
    loop.reply("register ann", "ok");
    Ready.Sending<String> second = loop.ready().persisted();
    assertEquals(Set.of("L1", "L2"), second.awaits());
    assertEquals(List.of(new Ready.Reply<>("register ann", "ok")), second.written());
  }

  @Test
  void releasesComeOutInReadyOrderWhateverOrderTheAcknowledgementsCome() {
    ReadyLoop<String> loop = loop();
    loop.send("L1", Buffer.buffer("a\n"));
    loop.reply("first", 1);
    Ready.Sending<String> first = loop.ready().persisted();
    loop.send("L2", Buffer.buffer("b\n"));
    loop.reply("second", 2);
    Ready.Sending<String> second = loop.ready().persisted();
    assertEquals(List.of(), second.written(), "the first Ready is not acknowledged yet");
    assertEquals(List.of(new Ready.Reply<>("first", 1), new Ready.Reply<>("second", 2)), first.written());
    assertThrows(IllegalStateException.class, first::written);
  }

  @Test
  void aReplySealsTheDeliveriesBeforeItAndLaterOnesFollowIt() {
    ReadyLoop<String> loop = loop();
    loop.deliver(delivery(1));
    loop.reply("login ann", "LOGIN_SUCCESS");
    loop.deliver(delivery(2));
    List<Ready.Output<String>> out = loop.ready().persisted().written();
    assertEquals(3, out.size());
    assertEquals("{\"n\":1}\n", ((Ready.Deliver<String>) out.get(0)).batch().classicLines().toString());
    assertEquals(new Ready.Reply<>("login ann", "LOGIN_SUCCESS"), out.get(1));
    assertEquals("{\"n\":2}\n", ((Ready.Deliver<String>) out.get(2)).batch().classicLines().toString());
  }

  @Test
  void aLineForALinkClosedInTheSameReadyIsDroppedAndTheCloseCarriesTheLinesBeforeIt() {
    ReadyLoop<String> loop = loop();
    loop.send("L1", Buffer.buffer("a\n"));
    loop.closeLink("L1", Buffer.buffer("last\n"));
    loop.send("L1", Buffer.buffer("after\n"));
    Ready.Sending<String> s = loop.ready().persisted();
    assertFalse(s.lines().containsKey("L1"));
    assertEquals("a\nlast\n", s.closes().get("L1").toString());
  }

  @Test
  void noReadyIsTakenHalfwayThroughAnInput() {
    List<RuntimeException> thrown = new ArrayList<>();
    @SuppressWarnings("unchecked")
    ReadyLoop<String>[] holder = new ReadyLoop[1];
    holder[0] = new ReadyLoop<>(new Direct() {
      @Override
      public void pending() {
        try {
          holder[0].ready(); // an adapter carrying out effects as they come: between deliver and replicate
        } catch (IllegalStateException e) {
          thrown.add(e);
        }
      }
    });
    holder[0].deliver(delivery(1));
    assertEquals(1, thrown.size());
  }

  // ---- two servers, the first one's link writes held ----

  private InMemoryMesh net;

  private Node[] twoServers() {
    net = InMemoryMesh.standard(1);
    Node a = net.start("a");
    Node b = net.join("b", a);
    net.runUntil(net::converged, 3000, "b joined");
    return new Node[] {a, b};
  }

  private void register(Node n, String user) {
    AtomicReference<Boolean> ok = n.register(user);
    net.runUntil(() -> ok.get() != null, 2000, "register " + user);
    assertEquals(Boolean.TRUE, ok.get());
  }

  private LoginResult login(Node n, String user) {
    AtomicReference<LoginResult> r = n.loginWhenReady(user, null);
    net.runUntil(() -> r.get() != null, 2000, "login " + user);
    net.deliverAll();
    return r.get();
  }

  private static JsonObject act(String user, int i) {
    return new JsonObject().put("n", i).put("authenticated_user", user);
  }

  private static int n(Object delivery) {
    Buffer line = ((Delivery) delivery).classicLine();
    return new JsonObject(line.toString().trim()).getJsonObject("activity").getInteger("n");
  }

  private static List<Integer> delivered(Node node, int from) {
    List<Integer> out = new ArrayList<>();
    for (Delivery d : node.deliveries.subList(from, node.deliveries.size())) {
      out.add(new JsonObject(d.classicLine().toString().trim()).getJsonObject("activity").getInteger("n"));
    }
    return out;
  }

  @Test
  void anActivityReachesLocalClientsOnlyAfterThePeerLinesOfItsEventAreWritten() {
    Node[] s = twoServers();
    Node a = s[0];
    Node b = s[1];
    register(a, "ann");
    LoginResult ann = login(a, "ann");
    int atA = a.deliveries.size();
    int atB = b.deliveries.size();

    a.holdWrites(true);
    assertTrue(a.send(ann, "ann", act("ann", 1)));
    net.deliverAll();
    assertTrue(a.unwrittenCount() > 0, "the MESH_EVENT line waits");
    assertEquals(List.of(), delivered(a, atA), "not delivered here before the peer line is written");
    assertEquals(List.of(), delivered(b, atB));

    a.ackWrites();
    assertEquals(List.of(1), delivered(a, atA));
    net.deliverAll();
    assertEquals(List.of(1), delivered(b, atB));
    assertEquals(List.of(), a.earlyReleases);
  }

  @Test
  void killedRightAfterRegisterSuccessThePeerHasTheUser() {
    Node[] s = twoServers();
    Node a = s[0];
    Node b = s[1];
    a.holdWrites(true);
    AtomicReference<Boolean> ok = a.register("ann");
    for (int i = 0; i < 20 && ok.get() == null; i++) {
      net.deliverAll();
      assertNull(ok.get(), "REGISTER_SUCCESS before the links wrote what came before it");
      a.ackWrites();
    }
    assertEquals(Boolean.TRUE, ok.get());
    net.kill(a, false); // kill -9 right after the reply: what was written still reaches the peer
    net.deliverAll();
    assertNotNull(b.state.user("ann"), "the peer knows the user the client was told is registered");
    assertEquals(List.of(), a.earlyReleases);
  }

  @Test
  void killedRightAfterLoginSuccessThePeerHasTheSession() {
    Node[] s = twoServers();
    Node a = s[0];
    Node b = s[1];
    register(a, "ann");
    net.deliverAll();
    AtomicReference<LoginResult> r = a.loginWhenReady("ann", null); // asks b for the login sync
    a.holdWrites(true);
    net.deliverAll(); // b's answer: the LOGIN is answered, its SESSION_OPENED not written yet
    assertNull(r.get(), "LOGIN_SUCCESS before SESSION_OPENED is written to the peer");
    a.ackWrites();
    assertNotNull(r.get());
    net.kill(a, false);
    net.deliverAll();
    assertTrue(b.state.sessions().containsKey(r.get().sessionId()), "the peer has the session the client got");
    assertEquals(List.of(), a.earlyReleases);
  }

  @Test
  void logoutWithTheSessionsOwnActivitiesInFlightLosesNoneOfThem() {
    Node[] s = twoServers();
    Node a = s[0];
    Node b = s[1];
    register(a, "ann");
    LoginResult ann = login(a, "ann");
    int atA = a.deliveries.size();
    int atB = b.deliveries.size();

    a.holdWrites(true);
    for (int i = 1; i <= 3; i++) {
      assertTrue(a.send(ann, "ann", act("ann", i)));
    }
    a.state.logout(ann.sessionId()); // as StateVerticle on LOGOUT, while the three are still in flight
    net.deliverAll();
    assertEquals(List.of(), delivered(a, atA));
    assertEquals(List.of(), delivered(b, atB));
    assertTrue(b.state.sessions().containsKey(ann.sessionId()));

    a.ackWrites();
    assertEquals(List.of(1, 2, 3), delivered(a, atA), "the sender's own echo, in order");
    net.kill(a, false); // even killed right after
    net.deliverAll();
    assertEquals(List.of(1, 2, 3), delivered(b, atB), "every activity sent before LOGOUT, in order");
    assertFalse(b.state.sessions().containsKey(ann.sessionId()), "and then the session is closed there too");
    assertEquals(List.of(), a.earlyReleases);
  }

  @Test
  void aLoginSuccessComesAfterTheActivitiesBeforeItAndBeforeTheOnesAfterIt() {
    Node[] s = twoServers();
    Node a = s[0];
    register(a, "ann");
    register(a, "bob");
    LoginResult bob = login(a, "bob");
    int from = a.released.size();

    a.holdWrites(true);
    assertTrue(a.send(bob, "bob", act("bob", 1)));
    AtomicReference<LoginResult> ann = a.loginWhenReady("ann", null);
    assertTrue(a.send(bob, "bob", act("bob", 2)));
    assertNull(ann.get());
    assertEquals(from, a.released.size(), "nothing released before the links wrote");

    a.ackWrites();
    List<Object> out = a.released.subList(from, a.released.size());
    assertEquals(3, out.size(), out.toString());
    assertEquals(1, n(out.get(0)), "activity 1 (applied before LOGIN: covered by its start) first");
    assertEquals(ann.get(), out.get(1), "then LOGIN_SUCCESS");
    assertEquals(2, n(out.get(2)), "then activity 2, which the new session is owed live");
    assertEquals(List.of(), a.earlyReleases);
  }
}
