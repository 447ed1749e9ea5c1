package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** G1 on the in-memory mesh: concurrent REGISTERs of one name never both succeed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NameAgreementTest {

  private static int successes(List<AtomicReference<Boolean>> results) {
    int n = 0;
    for (AtomicReference<Boolean> r : results) {
      if (Boolean.TRUE.equals(r.get())) {
        n++;
      }
    }
    return n;
  }

  private static boolean allDecided(List<AtomicReference<Boolean>> results) {
    return results.stream().allMatch(r -> r.get() != null);
  }

  @Test
  void concurrentRegistrationsAtEveryServerHaveOneWinnerTheSmallestId() {
    for (long seed = 1; seed <= 15; seed++) {
      InMemoryMesh net = ReplicationTest.mesh(seed, "a", "b", "c", "d").reorder(true);
      List<AtomicReference<Boolean>> results = new ArrayList<>();
      for (String n : List.of("d", "c", "b", "a")) {
        results.add(net.node(n).register("ann"));
      }
      net.runUntil(() -> allDecided(results), 3000, "seed " + seed + ": all decided");
      assertEquals(1, successes(results), "seed " + seed);
      assertEquals(Boolean.TRUE, results.get(3).get(), "seed " + seed + ": same ts, smallest id wins");
      net.run(300);
      for (Node n : net.alive()) {
        assertEquals(net.node("a").id, n.state.user("ann").origin(), n.id);
        assertEquals(0, n.mesh.pendingCount());
      }
    }
  }

  @Test
  void earliestRequestWins() {
    for (long seed = 1; seed <= 10; seed++) {
      InMemoryMesh net = ReplicationTest.mesh(seed, "a", "b", "c").reorder(true);
      AtomicReference<Boolean> atC = net.node("c").register("ann");
      net.deliverOne();
      net.clock.advance(5);
      AtomicReference<Boolean> atA = net.node("a").register("ann");
      net.runUntil(() -> atA.get() != null && atC.get() != null, 3000, "decided");
      assertEquals(Boolean.TRUE, atC.get(), "seed " + seed);
      assertEquals(Boolean.FALSE, atA.get(), "seed " + seed);
    }
  }

  @Test
  void linkFlapsDuringRoundsNeverYieldTwoSuccesses() {
    for (long seed = 1; seed <= 30; seed++) {
      InMemoryMesh net = ReplicationTest.mesh(seed, "a", "b").reorder(true);
      Random rnd = new Random(seed);
      Node a = net.node("a");
      Node b = net.node("b");
      AtomicReference<Boolean> atB = b.register("ann");
      net.clock.advance(rnd.nextInt(3));
      AtomicReference<Boolean> atA = a.register("ann");
      for (int i = rnd.nextInt(5); i > 0; i--) {
        net.deliverOne();
      }
      net.flap(a, b);
      net.runUntil(() -> atA.get() != null && atB.get() != null, 3000, "seed " + seed + ": decided");
      assertEquals(1, successes(List.of(atA, atB)), "seed " + seed + ": a=" + atA.get() + " b=" + atB.get());
      net.runUntil(net::converged, 2000, "converged");
      assertEquals(a.state.user("ann"), b.state.user("ann"));
    }
  }

  @Test
  void memberCrashingMidRoundStopsCountingOnceDeclaredDead() {
    InMemoryMesh net = ReplicationTest.mesh(1, "a", "b", "c");
    Node a = net.node("a");
    net.drop(m -> m.from().equals("c"));
    AtomicReference<Boolean> atA = a.register("ann");
    net.deliverAll();
    net.kill(net.node("c"), true);
    net.dropNothing();
    net.deliverAll();
    assertNull(atA.get(), "c's answer is still awaited");
    net.runUntil(() -> atA.get() != null, 2500, "decided after c is declared dead");
    assertEquals(Boolean.TRUE, atA.get());
    assertEquals(a.state.user("ann"), net.node("b").state.user("ann"));
  }

  @Test
  void lockOfACrashedRequesterIsReleased() {
    InMemoryMesh net = ReplicationTest.mesh(2, "a", "b", "c");
    Node b = net.node("b");
    Node c = net.node("c");
    net.drop(m -> m.to().equals("c") && m.command() == io.activitystreamer.protocol.Command.LOCK_ALLOWED);
    AtomicReference<Boolean> atC = c.register("ann");
    net.deliverAll();
    assertNull(atC.get());
    net.kill(c, true);
    net.dropNothing();
    AtomicReference<Boolean> atB = b.register("ann");
    net.runUntil(() -> atB.get() != null, 2500, "b decided");
    assertEquals(Boolean.TRUE, atB.get());
  }

  @Test
  void registeringAnExistingNameFails() {
    InMemoryMesh net = ReplicationTest.mesh(3, "a", "b", "c");
    AtomicReference<Boolean> first = net.node("a").register("ann");
    net.runUntil(() -> first.get() != null, 1000, "first");
    net.deliverAll();
    AtomicReference<Boolean> second = net.node("c").register("ann");
    net.runUntil(() -> second.get() != null, 1000, "second");
    assertEquals(Boolean.TRUE, first.get());
    assertEquals(Boolean.FALSE, second.get());
  }
}
