package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Exactly-once, origin-ordered replication of events under crashes, flaps, reordering and joins. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplicationTest {

  static InMemoryMesh mesh(long seed, String... names) {
    InMemoryMesh net = InMemoryMesh.standard(seed);
    Node first = net.start(names[0]);
    for (int i = 1; i < names.length; i++) {
      net.join(names[i], first);
      net.runUntil(net::converged, 3000, names[i] + " joined");
    }
    return net;
  }

  /** Registers {@code user} and opens a session for it on {@code n}. */
  static LoginResult user(InMemoryMesh net, Node n, String user) {
    var ok = n.register(user);
    net.runUntil(() -> ok.get() != null, 2000, "register " + user);
    assertEquals(Boolean.TRUE, ok.get());
    net.runUntil(() -> net.alive().stream().allMatch(x -> x.state.user(user) != null), 2000, user + " everywhere");
    return n.login(user);
  }

  static JsonObject activity(String user, int i) {
    return new JsonObject().put("n", i).put("authenticated_user", user);
  }

  /** The (origin, n) of every activity this server delivered, in delivery order. */
  static List<String> eids(Node n) {
    List<String> out = new ArrayList<>();
    for (Delivery d : n.deliveries) {
      JsonObject eid = new JsonObject(d.resumeLine().toString().trim()).getJsonObject("eid");
      out.add(eid.getString("origin") + ":" + eid.getLong("n"));
    }
    return out;
  }

  /** Each activity delivered at most once per server, and the ones of one origin in order. */
  static void assertExactlyOnceInOrder(Node n) {
    Set<String> seen = new HashSet<>();
    Map<String, Long> last = new HashMap<>();
    List<String> all = eids(n);
    for (String e : all) {
      assertTrue(seen.add(e), () -> n.id + " delivered " + e + " twice: " + all);
      String origin = e.substring(0, e.lastIndexOf(':'));
      long k = Long.parseLong(e.substring(e.lastIndexOf(':') + 1));
      assertTrue(k > last.getOrDefault(origin, 0L), () -> n.id + " delivered " + e + " out of order: " + all);
      last.put(origin, k);
    }
  }

  static void assertSameEvents(InMemoryMesh net) {
    List<Node> live = net.alive();
    Node ref = live.get(0);
    for (Node n : live) {
      assertEquals(new TreeMap<>(ref.mesh.positions()), new TreeMap<>(n.mesh.positions()), net.describe());
      assertEquals(ref.state.applied(), n.state.applied(), n.id + " vs " + ref.id);
      assertEquals(0, n.mesh.pendingCount(), n.id);
      assertExactlyOnceInOrder(n);
    }
  }

  @Test
  void everyActivityReachesEveryServerOnceInOrder() {
    InMemoryMesh net = mesh(1, "a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    LoginResult ann = user(net, a, "ann");
    LoginResult bob = user(net, b, "bob");
    for (int i = 1; i <= 20; i++) {
      a.send(ann, "ann", activity("ann", i));
      b.send(bob, "bob", activity("bob", i));
    }
    net.deliverAll();
    assertSameEvents(net);
    for (Node n : net.alive()) {
      assertEquals(40, eids(n).size(), n.id);
    }
  }

  @Test
  void steadyStateCostsOneMessagePerPeerPerActivity() {
    InMemoryMesh net = mesh(2, "a", "b", "c", "d");
    Node a = net.node("a");
    LoginResult ann = user(net, a, "ann");
    net.deliverAll();
    long before = net.deliveredCount();
    for (int i = 1; i <= 50; i++) {
      a.send(ann, "ann", activity("ann", i));
    }
    net.deliverAll();
    assertEquals(150, net.deliveredCount() - before);
  }

  @Test
  void originCrashingMidBroadcastLeavesSurvivorsWithTheSameEvents() {
    for (long seed = 1; seed <= 10; seed++) {
      InMemoryMesh net = mesh(seed, "a", "b", "c", "d").reorder(seed % 2 == 0);
      Node c = net.node("c");
      LoginResult cat = user(net, c, "cat");
      for (int i = 1; i <= 5; i++) {
        c.send(cat, "cat", activity("cat", i));
      }
      net.deliverAll();
      // c's next activities reach only a (b and d lose them), then c crashes with more in flight
      net.drop(m -> m.from().equals("c") && !m.to().equals("a") && m.command() == Command.MESH_EVENT);
      for (int i = 6; i <= 10; i++) {
        c.send(cat, "cat", activity("cat", i));
      }
      net.deliverAll();
      net.dropNothing();
      c.send(cat, "cat", activity("cat", 11));
      net.kill(c, true);
      net.runUntil(net::converged, 5000, "seed " + seed + ": survivors converge");
      assertSameEvents(net);
      long ofC = eids(net.node("b")).stream().filter(e -> e.startsWith(c.id + ":")).count();
      assertEquals(10, ofC, "seed " + seed);
    }
  }

  @Test
  void eventsSentDuringAShortCutAreRelayedAndNothingIsLostAfterTheHeal() {
    InMemoryMesh net = mesh(3, "a", "b", "c");
    Node a = net.node("a");
    Node b = net.node("b");
    LoginResult ann = user(net, a, "ann");
    net.cut(a, b);
    for (int i = 1; i <= 10; i++) {
      a.send(ann, "ann", activity("ann", i));
      net.tick(20);
    }
    assertEquals(10, eids(b).size(), "c relays a's events to b, which is not linked to a");
    net.heal(a, b);
    net.runUntil(net::converged, 1500, "relinked");
    assertSameEvents(net);
    assertEquals(10, eids(b).size());
    net.alive().forEach(n -> assertTrue(n.rejoinCalls.isEmpty()));
  }

  @Test
  void reorderedTrafficWithFlapsConverges() {
    for (long seed = 1; seed <= 8; seed++) {
      InMemoryMesh net = mesh(seed, "a", "b", "c", "d").reorder(true);
      Random rnd = new Random(seed);
      List<Node> nodes = net.alive();
      List<LoginResult> sessions = new ArrayList<>();
      for (Node n : nodes) {
        sessions.add(user(net, n, "u" + n.name));
      }
      for (int step = 0; step < 200; step++) {
        int k = rnd.nextInt(nodes.size());
        nodes.get(k).send(sessions.get(k), "u" + nodes.get(k).name, activity("u" + nodes.get(k).name, step));
        int r = rnd.nextInt(20);
        if (r == 0) {
          net.flap(nodes.get(rnd.nextInt(4)), nodes.get(rnd.nextInt(4)));
        }
        for (int j = rnd.nextInt(6); j > 0; j--) {
          net.deliverOne();
        }
        if (r == 1) {
          net.tick(50);
        }
      }
      net.runUntil(net::converged, 3000, "seed " + seed);
      assertSameEvents(net);
      for (Node n : nodes) {
        assertEquals(200, eids(n).size(), "seed " + seed + " at " + n.id);
        assertTrue(n.rejoinCalls.isEmpty());
      }
    }
  }

  @Test
  void retainedEventsArePrunedOnceEveryLiveMemberHasThem() {
    InMemoryMesh net = mesh(4, "a", "b", "c");
    Node a = net.node("a");
    LoginResult ann = user(net, a, "ann");
    for (int i = 1; i <= 30; i++) {
      a.send(ann, "ann", activity("ann", i));
    }
    net.deliverAll();
    assertTrue(a.mesh.retainedCount() >= 30);
    net.run(500);
    for (Node n : net.alive()) {
      assertEquals(0, n.mesh.retainedCount(), n.id + " still retains events all have");
    }
  }

  @Test
  void eventsAreRetainedWhileAMemberIsSuspect() {
    InMemoryMesh net = mesh(5, "a", "b", "c");
    Node a = net.node("a");
    Node c = net.node("c");
    LoginResult ann = user(net, a, "ann");
    net.run(500);
    net.cut(a, c);
    net.cut(b(net), c);
    for (int i = 1; i <= 5; i++) {
      a.send(ann, "ann", activity("ann", i));
    }
    net.run(500);
    assertTrue(a.mesh.retainedCount() >= 5, "a must keep what the suspect c lacks");
    net.heal(a, c);
    net.heal(b(net), c);
    net.runUntil(net::converged, 1500, "c relinked");
    assertSameEvents(net);
    net.run(500);
    assertEquals(0, a.mesh.retainedCount());
  }

  private static Node b(InMemoryMesh net) {
    return net.node("b");
  }

  @Test
  void serverJoiningDuringTrafficGetsEverythingOnce() {
    for (long seed = 1; seed <= 10; seed++) {
      InMemoryMesh net = mesh(seed, "a", "b", "c").reorder(true);
      Node a = net.node("a");
      Node b = net.node("b");
      LoginResult ann = user(net, a, "ann");
      LoginResult bob = user(net, b, "bob");
      Node d = net.join("d", net.node("c"));
      for (int i = 1; i <= 40; i++) {
        a.send(ann, "ann", activity("ann", i));
        b.send(bob, "bob", activity("bob", i));
        net.deliverOne();
        net.deliverOne();
        if (i % 10 == 0) {
          net.tick(50);
        }
      }
      net.runUntil(net::converged, 3000, "seed " + seed + ": d joined");
      assertSameEvents(net);
      assertEquals(2, d.state.userCount());
      // what d did not get in its snapshot it applied once, in order
      Set<String> all = new TreeSet<>(eids(a));
      Set<String> atD = new TreeSet<>(eids(d));
      assertTrue(all.containsAll(atD));
      assertEquals(a.state.applied(), d.state.applied());
    }
  }

  @Test
  void linkFlapDuringTheSnapshotStillJoins() {
    for (long seed = 1; seed <= 10; seed++) {
      InMemoryMesh net = mesh(seed, "a", "b").reorder(seed % 2 == 0);
      Node a = net.node("a");
      Node b = net.node("b");
      LoginResult ann = user(net, a, "ann");
      for (int i = 1; i <= 10; i++) {
        a.send(ann, "ann", activity("ann", i));
      }
      Node c = net.join("c", a);
      // deliver a few steps (AUTHENTICATE, maybe the welcome), then break c's links
      for (int i = 0; i < seed % 4; i++) {
        net.deliverOne();
      }
      net.flap(a, c);
      net.flap(b, c);
      for (int i = 11; i <= 20; i++) {
        a.send(ann, "ann", activity("ann", i));
      }
      net.runUntil(net::converged, 4000, "seed " + seed + ": c joined after the flap");
      assertSameEvents(net);
      assertEquals(1, c.state.userCount());
    }
  }
}
