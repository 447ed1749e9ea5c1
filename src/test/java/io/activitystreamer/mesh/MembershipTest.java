package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MembershipTest {

  private static Set<String> ids(Node... nodes) {
    Set<String> s = new TreeSet<>();
    for (Node n : nodes) {
      s.add(n.id);
    }
    return s;
  }

  @Test
  void serverJoiningThroughOneMemberLinksToAll() {
    InMemoryMesh net = InMemoryMesh.standard(1);
    Node a = net.start("a");
    Node b = net.join("b", a);
    net.runUntil(net::converged, 2000, "b joined");
    Node c = net.join("c", b);
    net.runUntil(net::converged, 2000, "c joined");
    for (Node n : net.alive()) {
      assertEquals(ids(a, b, c), InMemoryMesh.view(n), n.id);
    }
  }

  @Test
  void concurrentJoinsThroughDifferentMembersEndWithOneMembership() {
    for (long seed = 1; seed <= 20; seed++) {
      InMemoryMesh net = InMemoryMesh.standard(seed).reorder(true);
      Node a = net.start("a");
      Node b = net.join("b", a);
      net.runUntil(net::converged, 2000, "b joined");
      Node c = net.join("c", a);
      Node d = net.join("d", b);
      Node e = net.join("e", b);
      net.runUntil(net::converged, 3000, "seed " + seed + ": concurrent joins");
      for (Node n : net.alive()) {
        assertEquals(ids(a, b, c, d, e), InMemoryMesh.view(n), "seed " + seed + " at " + n.id);
      }
      // and it stays that way: nobody is suspected or declared dead later
      net.run(3000);
      assertTrue(net.converged(), net.describe());
      for (Node n : net.alive()) {
        assertEquals(ids(a, b, c, d, e), InMemoryMesh.view(n), "seed " + seed + " later at " + n.id);
        assertTrue(n.rejoinCalls.isEmpty(), n.id + " was told it is dead");
      }
    }
  }
}
