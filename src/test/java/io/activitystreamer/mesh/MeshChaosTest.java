package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random runs on the in-memory mesh: registrations (some of one name at once), logins, activities,
 * disconnects, link flaps and cuts, crashes with restarts, joins, reordered delivery. At the end every
 * running server must hold the same members, users and events, each applied once in origin order, and no
 * name may have been granted twice.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class MeshChaosTest {

  @Test
  void randomFaultRunsConverge() {
    long first = Long.getLong("chaos.firstSeed", 1);
    for (long seed = first; seed < first + Long.getLong("chaos.seeds", 8); seed++) {
      run(seed);
    }
  }

  private void run(long seed) {
    Random rnd = new Random(seed);
    InMemoryMesh net = ReplicationTest.mesh(seed, "a", "b", "c").reorder(true);
    Map<String, List<AtomicReference<Boolean>>> grants = new HashMap<>();
    Map<String, AtomicReference<LoginResult>> sessions = new HashMap<>();
    Map<AtomicReference<Boolean>, String> trace = new java.util.IdentityHashMap<>();
    Map<String, Node> sessionServer = new HashMap<>();
    List<String> log = new ArrayList<>();
    List<String> trail = new ArrayList<>();
    List<String> names = new ArrayList<>(List.of("a", "b", "c", "d", "e"));
    int joined = 3;
    int isolatedUntil = -1;
    Node isolatedNode = null;
    for (int step = 0; step < 300; step++) {
      if (step == isolatedUntil) {
        net.unisolate(isolatedNode);
        isolatedUntil = -1;
      }
      List<Node> live = net.alive();
      Node n = live.get(rnd.nextInt(live.size()));
      int op = rnd.nextInt(100);
      if (op < 10 && n.mesh.joined()) {
        String user = "u" + rnd.nextInt(6);
        AtomicReference<Boolean> r = n.register(user);
        grants.computeIfAbsent(user, k -> new ArrayList<>()).add(r);
        String who = n.id + "@" + net.now() + " step " + step;
        trace.put(r, who);
      } else if (op < 20) {
        String user = "u" + rnd.nextInt(6);
        if (n.mesh.joined() && n.state.user(user) != null && !sessions.containsKey(user)) {
          sessions.put(user, n.loginWhenReady(user, null));
          trail.add("step " + step + " login " + user + " at " + n.id + " knows " + sessionView(n));
          sessionServer.put(user, n);
        }
      } else if (op < 60) {
        if (!sessions.isEmpty()) {
          String user = new ArrayList<>(sessions.keySet()).get(rnd.nextInt(sessions.size()));
          Node at = sessionServer.get(user);
          if (at.alive && at.mesh.joined() && sessions.get(user).get() != null) {
            at.send(sessions.get(user).get(), user, ReplicationTest.activity(user, step));
            trail.add("step " + step + " send " + user + " at " + at.id + " in " + sessions.get(user).get().sessionId());
          }
        }
      } else if (op < 65) {
        if (!sessions.isEmpty()) {
          String user = new ArrayList<>(sessions.keySet()).get(rnd.nextInt(sessions.size()));
          Node at = sessionServer.get(user);
          if (sessions.get(user).get() != null) {
            if (at.alive) {
              at.detach(sessions.get(user).get().sessionId());
              trail.add("step " + step + " detach " + user + " at " + at.id);
            }
            sessions.remove(user);
          }
        }
      } else if (op < 69) {
        Node other = live.get(rnd.nextInt(live.size()));
        if (other != n) {
          net.flap(n, other);
        }
      } else if (op < 70 && joinedOthers(live, n, isolatedNode, isolatedUntil).size() >= 2) {
        boolean lose = rnd.nextBoolean();
        List<Node> seeds = joinedOthers(live, n, isolatedNode, isolatedUntil);
        net.kill(n, lose);
        log.add("step " + step + " kill " + n.id + " lose=" + lose);
        net.restart(n, seeds.get(rnd.nextInt(seeds.size())));
      } else if (op < 71 && isolatedUntil < 0 && joinedOthers(live, n, null, -1).size() >= 2) {
        net.isolate(n);
        isolatedNode = n;
        isolatedUntil = step + 10 + rnd.nextInt(40);
        log.add("step " + step + " isolate " + n.id + " until " + isolatedUntil);
      } else if (op < 72 && joined < names.size() && n.mesh.joined() && n != isolatedNode) {
        net.join(names.get(joined++), n);
      } else if (op < 80) {
        net.tick(rnd.nextInt(100));
      } else {
        for (int j = rnd.nextInt(10); j > 0; j--) {
          net.deliverOne();
        }
      }
    }
    if (isolatedNode != null) {
      net.unisolate(isolatedNode);
    }
    String where = "seed " + seed;
    net.runUntil(net::converged, 10_000, where + ": converge");
    net.run(500);
    assertTrue(net.converged(), where + "\n" + net.describe());
    boolean partitioned = log.stream().anyMatch(l -> l.contains("isolate"));
    List<Node> live = net.alive();
    Node ref = live.get(0);
    for (Node n : live) {
      assertEquals(new TreeMap<>(ref.mesh.positions()), new TreeMap<>(n.mesh.positions()), where);
      assertEquals(ref.state.applied(), n.state.applied(), where + " " + n.id);
      assertEquals(ref.state.userCount(), n.state.userCount(), where + " " + n.id);
      for (int u = 0; u < 6; u++) {
        assertEquals(ref.state.user("u" + u), n.state.user("u" + u), where + " u" + u + " at " + n.id);
      }
      ReplicationTest.assertExactlyOnceInOrder(n);
      if (!partitioned) {
        // DISABLED for runs that isolated a server (a true partition): a sender that moved to the other side
        // during it has its earlier activities reach that side only at the heal, after its later ones
        // (docs/mesh.md, "What a true partition cannot give"). Every other run asserts G4.
        assertSenderOrder(n, net.loginsPastSync, where + " " + log);
      }
      assertEquals(sessionView(ref), sessionView(n), where + " sessions at " + n.id);
    }
    if (!partitioned) {
      checkGrants(grants, trace, log, where);
    }
  }

  /**
   * G4: at every server, the activities of one user are delivered in the order the user sent them; not
   * asserted for a user one of whose LOGINs went ahead when the login sync gave up (past 2 s: a partition or
   * a crash not yet declared), where docs/mesh.md puts availability first (G5 over G4).
   */
  private static void assertSenderOrder(Node n, java.util.Set<String> pastSync, String where) {
    Map<String, Integer> last = new HashMap<>();
    List<String> seen = new ArrayList<>();
    for (var d : n.deliveries) {
      var a = new io.vertx.core.json.JsonObject(d.classicLine().toString().trim()).getJsonObject("activity");
      String user = a.getString("authenticated_user");
      int k = a.getInteger("n");
      seen.add(user + ":" + k);
      Integer prev = last.put(user, k);
      assertTrue(pastSync.contains(user) || prev == null || prev < k, () -> where + " at " + n.id + ": " + user + " " + prev + " then " + k
          + " in " + seen);
    }
  }

  private static List<Node> joinedOthers(List<Node> live, Node n, Node isolated, int isolatedUntil) {
    List<Node> out = new ArrayList<>();
    for (Node x : live) {
      if (x != n && x.mesh.joined() && !(x == isolated && isolatedUntil >= 0)) {
        out.add(x);
      }
    }
    return out;
  }

  private static Map<String, String> sessionView(Node n) {
    Map<String, String> out = new TreeMap<>();
    n.state.sessions().forEach((id, s) -> out.put(id, s.username() + "@" + s.host()));
    return out;
  }

  private static void checkGrants(Map<String, List<AtomicReference<Boolean>>> grants,
                                  Map<AtomicReference<Boolean>, String> trace, List<String> log, String where) {
    for (Map.Entry<String, List<AtomicReference<Boolean>>> g : grants.entrySet()) {
      long ok = g.getValue().stream().filter(r -> Boolean.TRUE.equals(r.get())).count();
      if (ok > 1) {
        StringBuilder sb = new StringBuilder();
        g.getValue().forEach(r -> sb.append(trace.get(r)).append(" -> ").append(r.get()).append('\n'));
        assertTrue(ok <= 1, where + ": " + g.getKey() + " granted " + ok + " times\n" + sb + log);
      }
    }
  }

}
