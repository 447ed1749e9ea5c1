package io.activitystreamer.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14.6: a rebalancing round moves named sessions (a move loses them nothing) before anonymous ones
 * (which miss what is published while they move). Two anonymous and four named clients on s1, the
 * anonymous ones connected longest; s2 joins and the round moves three: all named.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RebalanceChoiceTest {
  private static final long ANNOUNCE = 300;
  private final Cluster cluster = new Cluster(ANNOUNCE, 1500);
  private final List<LineClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(LineClient::close);
    cluster.close();
  }

  @Test
  void aRebalanceMovesNamedSessionsBeforeAnonymousOnes() {
    cluster.start("s1", null);
    int s1 = cluster.port("s1");
    List<LineClient> anonymous = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      LineClient c = LineClient.connect(s1).loginOk("anonymous", null);
      anonymous.add(c);
      clients.add(c);
    }
    List<LineClient> named = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      LineClient c = LineClient.connect(s1).registerAndLogin("named" + i, "pw" + i);
      named.add(c);
      clients.add(c);
    }
    cluster.start("s2", "s1");
    Set<Integer> followed = new HashSet<>();
    await("three clients redirected by the rebalancing round").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (int i = 0; i < named.size(); i++) {
        if (redirected(List.of(named.get(i))) == 1 && followed.add(i)) { // follow it, as a client would
          named.get(i).close();
          clients.add(LineClient.connect(cluster.port("s2")).loginOk("named" + i, "pw" + i));
        }
      }
      int n = redirected(named);
      int a = redirected(anonymous);
      assertTrue(n + a >= 3, () -> "named " + n + ", anonymous " + a);
    });
    // one more round (two announce intervals): nothing else moves, the anonymous clients stay
    for (LineClient c : anonymous) {
      assertTrue(c.quietFor(Duration.ofMillis(4 * ANNOUNCE)), "anonymous client left alone: " + c.seen());
    }
    assertEquals(3, redirected(named), "the three moves were named sessions");
    assertEquals(0, redirected(anonymous));
  }

  /** How many of {@code cs} have received REDIRECT (reads what has arrived, without waiting). */
  private static int redirected(List<LineClient> cs) {
    int n = 0;
    for (LineClient c : cs) {
      while (!c.quietFor(Duration.ZERO) && c.nextLine(Duration.ofSeconds(1)) != null) {
        // drained into seen()
      }
      if (c.seen().stream().anyMatch(l -> l.contains("\"REDIRECT\""))) {
        n++;
      }
    }
    return n;
  }
}
