package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Suspicion, verdicts and rejoin, with the manual clock (suspicion 1000 ms, announce 100 ms). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FailureDetectorTest {

  private static InMemoryMesh threeServers(long seed) {
    InMemoryMesh net = InMemoryMesh.standard(seed);
    Node a = net.start("a");
    net.join("b", a);
    net.runUntil(net::converged, 2000, "b joined");
    net.join("c", a);
    net.runUntil(net::converged, 2000, "c joined");
    return net;
  }

  private static List<String> verdicts(InMemoryMesh net) {
    List<String> seen = new ArrayList<>();
    net.drop(m -> {
      if (m.command() == Command.MEMBER_DEAD) {
        seen.add(m.from() + "->" + m.to() + ":" + m.body().getString("id"));
      }
      return false;
    });
    return seen;
  }

  @Test
  void linkFlapShorterThanSuspicionCostsNothing() {
    InMemoryMesh net = threeServers(1);
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    List<String> verdicts = verdicts(net);
    net.cut(a, c);
    net.run(600);
    net.heal(a, c);
    net.runUntil(net::converged, 1000, "relinked after the flap");
    net.run(3000);
    assertTrue(net.converged(), net.describe());
    assertEquals(List.of(), verdicts);
    for (Node n : List.of(a, b, c)) {
      assertTrue(n.alive && n.rejoinCalls.isEmpty(), n.id + " rejoined");
      assertEquals(3, InMemoryMesh.view(n).size(), net.describe());
    }
  }

  @Test
  void repeatedShortFlapsCostNothing() {
    InMemoryMesh net = threeServers(2);
    Node a = net.node("a");
    Node b = net.node("b");
    List<String> verdicts = verdicts(net);
    for (int i = 0; i < 10; i++) {
      net.flap(a, b);
      net.run(300);
    }
    net.runUntil(net::converged, 1000, "relinked");
    assertEquals(List.of(), verdicts);
    net.alive().forEach(n -> assertTrue(n.rejoinCalls.isEmpty(), n.id));
  }

  @Test
  void crashedServerIsDeclaredDeadByAll() {
    InMemoryMesh net = threeServers(3);
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    net.kill(c, false);
    net.run(500);
    assertEquals(Member.Status.SUSPECT, a.mesh.members().get(c.id).status());
    net.run(1200);
    assertEquals(Member.Status.DEAD, a.mesh.members().get(c.id).status());
    assertEquals(Member.Status.DEAD, b.mesh.members().get(c.id).status());
    assertTrue(net.converged(), net.describe());
  }

  /**
   * After c dies, a keeps its own events c never acknowledged (a partition could be healing them back)
   * but not b's (b and a hold them); once c is back as a new incarnation, a's are released too.
   */
  @Test
  void eventsKeptForADeadMemberAreOnlyOwnOnesAndOnlyUntilItComesBack() {
    InMemoryMesh net = threeServers(6);
    Node a = net.node("a");
    Node b = net.node("b");
    net.kill(net.node("c"), false);
    net.run(2500);
    for (int i = 0; i < 10; i++) {
      java.util.concurrent.atomic.AtomicReference<Boolean> fromA = a.register("a" + i);
      java.util.concurrent.atomic.AtomicReference<Boolean> fromB = b.register("b" + i);
      net.runUntil(() -> fromA.get() != null && fromB.get() != null, 2000, "registered");
    }
    net.run(1000);
    assertEquals(10, a.mesh.retainedCount(), "a's own 10 USER_REGISTERED only: " + net.describe());
    net.restart(net.node("c"), a);
    net.runUntil(() -> net.converged() && net.alive().size() == 3, 5000, "c back");
    net.run(1000);
    assertEquals(0, a.mesh.retainedCount(), "c's new incarnation has them all");
  }

  @Test
  void silentServerIsDeclaredDeadWhenAnnouncementsStop() {
    InMemoryMesh net = threeServers(4);
    Node a = net.node("a");
    Node c = net.node("c");
    // c's links stay open but nothing it sends arrives (a hung process)
    net.drop(m -> m.from().equals("c"));
    net.run(2500);
    assertEquals(Member.Status.DEAD, a.mesh.members().get(c.id).status(), net.describe());
    assertEquals(Member.Status.DEAD, net.node("b").mesh.members().get(c.id).status(), net.describe());
  }

  /**
   * A long cut of one link while a third server is linked to both (a partial partition): nobody is
   * declared dead (the third one still sees each side), names are agreed through it (MESH_RELAY) and
   * events reach the far side relayed in the digests; when the link heals it simply comes back.
   */
  @Test
  void longCutOfOneLinkIsBridgedByTheThirdServer() {
    InMemoryMesh net = threeServers(5);
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    List<String> verdicts = verdicts(net);
    net.cut(a, c);
    net.run(5000); // five suspicion times
    assertEquals(List.of(), verdicts, net.describe());
    java.util.concurrent.atomic.AtomicReference<Boolean> fromA = a.register("ann");
    java.util.concurrent.atomic.AtomicReference<Boolean> fromC = c.register("cat");
    net.runUntil(() -> fromA.get() != null && fromC.get() != null, 3000, "REGISTER during the cut");
    assertEquals(Boolean.TRUE, fromA.get());
    assertEquals(Boolean.TRUE, fromC.get());
    net.runUntil(() -> c.state.user("ann") != null && a.state.user("cat") != null, 2000, "relayed events");
    java.util.concurrent.atomic.AtomicReference<Boolean> again = c.register("ann");
    net.runUntil(() -> again.get() != null, 3000, "second REGISTER of ann");
    assertEquals(Boolean.FALSE, again.get(), "ann is taken on the far side too");
    net.heal(a, c);
    net.runUntil(net::converged, 3000, "relinked after the heal");
    assertEquals(List.of(), verdicts, net.describe());
    for (Node n : List.of(a, b, c)) {
      assertTrue(n.alive && n.rejoinCalls.isEmpty(), n.id + " rejoined");
      assertEquals(3, InMemoryMesh.view(n).size(), net.describe());
    }
  }

  /** Two concurrent REGISTERs of one name on the two ends of a cut link: exactly one wins, via the relay. */
  @Test
  void concurrentRegistersAcrossACutLinkStillAgree() {
    for (long seed = 1; seed <= 10; seed++) {
      InMemoryMesh net = threeServers(100 + seed);
      Node a = net.node("a");
      Node c = net.node("c");
      net.cut(a, c);
      net.run(1500 + 100 * seed);
      java.util.concurrent.atomic.AtomicReference<Boolean> fromA = a.register("ann");
      java.util.concurrent.atomic.AtomicReference<Boolean> fromC = c.register("ann");
      net.runUntil(() -> fromA.get() != null && fromC.get() != null, 5000, "seed " + seed + ": both answered");
      assertTrue(fromA.get() ^ fromC.get(), "seed " + seed + ": exactly one succeeds " + fromA.get() + " " + fromC.get());
    }
  }

  @Test
  void isolatedServerIsDeclaredDeadAndRejoinsAfterTheHeal() {
    for (long seed = 1; seed <= 20; seed++) {
      isolatedServerRejoins(seed, seed % 2 == 0, 2000 + 100 * seed);
    }
  }

  private void isolatedServerRejoins(long seed, boolean reorder, long isolation) {
    InMemoryMesh net = threeServers(seed).reorder(reorder);
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    net.isolate(c);
    net.run(isolation);
    assertEquals(Member.Status.DEAD, a.mesh.members().get(c.id).status());
    assertEquals(Member.Status.DEAD, b.mesh.members().get(c.id).status());
    net.unisolate(c);
    net.runUntil(net::converged, 8000, "seed " + seed + ": c back after the heal");
    // the majority keeps its incarnations; the isolated one is the one that rejoins
    assertTrue(a.alive && b.alive, "seed " + seed + " reorder " + reorder + "\n" + net.describe());
    assertFalse(c.alive, net.describe());
    assertEquals(List.of(), a.rejoinCalls);
    assertEquals(List.of(), b.rejoinCalls);
    Node c2 = net.node("c");
    assertEquals("c#2", c2.id);
    assertEquals(3, InMemoryMesh.view(a).size(), net.describe());
  }

  @Test
  void crashedServerRestartedRejoinsAsNewIncarnation() {
    InMemoryMesh net = threeServers(7);
    Node a = net.node("a");
    Node c = net.node("c");
    net.kill(c, false);
    net.run(300);
    Node c2 = net.restart(c, a);
    net.runUntil(net::converged, 3000, "c#2 joined");
    assertEquals(Member.Status.DEAD, a.mesh.members().get(c.id).status());
    assertEquals(Member.Status.DEAD, net.node("b").mesh.members().get(c.id).status(), net.describe());
    assertTrue(InMemoryMesh.view(net.node("b")).contains(c2.id));
  }
}
