package io.activitystreamer.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14.2: a burst of anonymous logins on one server of three idle ones, as the classic flags run
 * them (announce 1000 ms). Every client follows every REDIRECT; no client may visit a server twice
 * (PROTOCOL.md section 5: no back and forth), and the final spread is within the contract (no server 2
 * or more above another). Prints each client's path.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoginBurstTest {
  private static final int CLIENTS = 8;
  /** After LOGIN_SUCCESS, a REDIRECT comes at once or not at all; a rebalancing round within this counts too. */
  private static final Duration SETTLED = Duration.ofMillis(2500);

  private final Cluster cluster = new Cluster(1000, 3000);
  private final List<LineClient> open = new ArrayList<>();

  @AfterEach
  void tearDown() {
    synchronized (open) {
      open.forEach(LineClient::close);
    }
    cluster.close();
  }

  @Test
  void aBurstOfAnonymousLoginsVisitsNoServerTwiceAndEndsBalanced() throws Exception {
    cluster.start("s1", null);
    cluster.start("s2", "s1");
    cluster.start("s3", "s1");
    cluster.awaitOneMembership(Duration.ofSeconds(20));
    List<CompletableFuture<List<Integer>>> paths = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      paths.add(CompletableFuture.supplyAsync(() -> follow(cluster.port("s1"))));
    }
    Map<Integer, Integer> placement = new TreeMap<>();
    for (String s : List.of("s1", "s2", "s3")) {
      placement.put(cluster.port(s), 0);
    }
    List<String> problems = new ArrayList<>();
    int hops = 0;
    for (CompletableFuture<List<Integer>> f : paths) {
      List<Integer> path = f.get(60, TimeUnit.SECONDS);
      System.out.println("MEASURE burst path: " + path);
      hops += path.size() - 1;
      if (path.stream().distinct().count() != path.size()) {
        problems.add("visited a server twice: " + path);
      }
      placement.merge(path.get(path.size() - 1), 1, Integer::sum);
    }
    int max = placement.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    int min = placement.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    System.out.println("MEASURE burst placement " + placement.values() + ", " + hops + " REDIRECT hops for "
        + CLIENTS + " logins");
    assertTrue(problems.isEmpty(), problems.toString());
    assertTrue(max - min < 2, "final spread within the contract: " + placement);
  }

  /** Logs in anonymously at {@code port}, following REDIRECTs; the ports visited, the last one where it stays. */
  private List<Integer> follow(int port) {
    List<Integer> path = new ArrayList<>();
    while (true) {
      path.add(port);
      LineClient c = LineClient.connect("127.0.0.1", port);
      synchronized (open) {
        open.add(c);
      }
      c.loginOk("anonymous", null);
      if (c.quietFor(SETTLED)) {
        return path; // stays here, connection open
      }
      JsonObject m = c.next();
      if (!"REDIRECT".equals(m.getString("command"))) {
        throw new AssertionError("expected REDIRECT or nothing after LOGIN_SUCCESS, got " + m);
      }
      c.close();
      port = m.getInteger("port");
      if (path.size() > 6) {
        throw new AssertionError("redirected more than 6 times: " + path);
      }
    }
  }
}
