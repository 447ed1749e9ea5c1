package io.activitystreamer.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.HistoryChecker;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Load balance with real server JVMs on loopback (issue 5, PROTOCOL.md section 5). 60 classic clients
 * all connect to s1 of three servers and must end within 2 of each other (login redirects); a fourth
 * server joins and the spread must end within 2 again (rebalancing), with the redirects made compared to
 * the minimum needed; then a server is killed with -9 and its clients, reconnecting through s1, must end
 * balanced over the survivors. Meanwhile some clients send numbered activities and a
 * {@link HistoryChecker} checks nothing was lost or reordered. Loads are counted from where each client
 * is logged in (the ground truth the servers announce). Announce 300 ms, suspicion 1500 ms. Prints the
 * measurements (lines starting with MEASURE).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class BalanceTest {
  private static final long ANNOUNCE = 300;
  private static final long SUSPICION = 1500;
  private static final int CLIENTS = 60;
  private static final int SENDERS = 10;
  private static final long SEND_EVERY_MILLIS = 150;
  /** Balanced = every client logged in, spread within 2, and no login or redirect for this long. */
  private static final long STABLE_MILLIS = 3 * ANNOUNCE;

  private final Cluster cluster = new Cluster(ANNOUNCE, SUSPICION);
  private final HistoryChecker history = new HistoryChecker(1000 + SUSPICION);
  private final List<Client> clients = new ArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  /** Every REDIRECT a client received: {time, client index, from port, to port}. */
  private final List<long[]> redirects = new CopyOnWriteArrayList<>();
  private final AtomicLong lastChange = new AtomicLong();
  private volatile List<Integer> knownPorts = List.of();

  @AfterEach
  void tearDown() {
    clients.forEach(Client::stop);
    cluster.close();
  }

  @Test
  void loginsSpreadJoinRebalancesCrashRebalancesAndNothingIsLost() throws Exception {
    // three servers, s2 and s3 joining through s1
    cluster.start("s1", null);
    cluster.launch("s2", "s1");
    cluster.launch("s3", "s1");
    cluster.node("s2").awaitPort(ServerProcess.START_WAIT);
    cluster.node("s3").awaitPort(ServerProcess.START_WAIT);
    cluster.awaitOneMembership(Duration.ofSeconds(20));
    cluster.port("s4"); // fixed now, so clients know every address in name order
    knownPorts = List.of(cluster.port("s1"), cluster.port("s2"), cluster.port("s3"), cluster.port("s4"));
    registerAll();

    // 1. everyone connects to s1
    long t1 = System.currentTimeMillis();
    for (int i = 0; i < CLIENTS; i++) {
      Client c = new Client(i, "b" + i, "pw" + i, i < SENDERS, cluster.port("s1"));
      history.user(c.user, false);
      clients.add(c);
    }
    clients.forEach(Client::start);
    Map<String, Integer> loads = awaitBalanced("60 logins on s1 spread over s1..s3", List.of("s1", "s2", "s3"),
        Duration.ofSeconds(20));
    long r1 = redirectsSince(t1);
    System.out.printf("MEASURE logins: 60 clients on s1 -> %s, %d redirects %s (minimum %d), clients moved more than"
        + " once %d, balanced after %d ms%n", loads, r1, redirectPaths(t1), 40, clientsRedirectedMoreThanOnceSince(t1),
        lastChange.get() - t1);
    // 60 logins within milliseconds on one server: login redirects follow PROTOCOL.md section 5 at once,
    // on loads that lag the burst by a few logins, so some clients go on twice; the bound catches a storm
    // (before the balancing fixes: 336). Joins and crashes below are held to the minimum.
    assertTrue(r1 <= 2 * 40 + 20, "redirects for the burst: " + r1);

    // 2. a fourth server joins
    long t2 = System.currentTimeMillis();
    Map<String, Integer> before = new TreeMap<>(loadsNow(List.of("s1", "s2", "s3", "s4")));
    int minimum = minimumMoves(before.values());
    cluster.start("s4", "s2");
    long listening = System.currentTimeMillis();
    long linked = awaitLinked("s4", List.of("s1", "s2", "s3"));
    loads = awaitBalanced("spread within 2 after s4 joined", List.of("s1", "s2", "s3", "s4"), Duration.ofSeconds(20));
    long r2 = redirectsSince(t2);
    long movedTwice = clientsRedirectedMoreThanOnceSince(t2);
    System.out.printf("MEASURE join: loads %s -> %s; redirects made %d, minimum needed %d; clients moved twice %d;"
        + " converged %d ms after s4 was linked to all (%d ms after it listened; linking took %d ms)%n",
        before, loads, r2, minimum, movedTwice, lastChange.get() - linked, lastChange.get() - listening,
        linked - listening);
    // rounds come every two announce intervals and skip a view that changed within half an interval (a
    // late announcement on a busy 2-core machine): converged within about three rounds (typically 1.2 s)
    assertTrue(lastChange.get() - linked <= 10 * ANNOUNCE, "join converges within a few announce intervals: "
        + (lastChange.get() - linked) + " ms");
    assertTrue(r2 <= minimum + 2, "join moved about the minimum: " + r2 + " vs " + minimum);
    assertTrue(movedTwice == 0, "no client moved twice in the join rebalance");

    // 3. the busiest-named server dies; its clients reconnect through s1 and are spread again
    long t3 = System.currentTimeMillis();
    int orphans = loads.getOrDefault("s4", 0);
    List<Integer> after = new ArrayList<>(List.of(loads.get("s1") + orphans, loads.get("s2"), loads.get("s3")));
    int crashMinimum = minimumMoves(after);
    List<Client> onS4 = clients.stream().filter(c -> c.loggedInPort == cluster.port("s4")).toList();
    cluster.kill9("s4");
    loads = awaitBalanced("spread within 2 after s4 was killed", List.of("s1", "s2", "s3"), Duration.ofSeconds(25));
    long r3 = redirectsSince(t3);
    System.out.printf("MEASURE crash: %d clients of s4 reconnected through s1 -> %s, %d redirects %s (minimum %d),"
        + " clients moved more than once %d, balanced %d ms after the kill%n", orphans, loads, r3, redirectPaths(t3),
        crashMinimum, clientsRedirectedMoreThanOnceSince(t3), lastChange.get() - t3);
    assertTrue(r3 <= crashMinimum * 3 / 2 + 2, "about the minimum redirects after the crash: " + r3);

    // 4. no activity lost or reordered through all of it
    clients.forEach(c -> c.sending = false);
    try {
      await("every activity delivered").atMost(Duration.ofSeconds(20)).until(() -> history.missingNow() == 0);
    } catch (ConditionTimeoutException e) {
      // the report below tells what is missing
    }
    HistoryChecker.Report report = history.check();
    long dupS4 = onS4.stream().mapToLong(c -> c.duplicates).sum();
    long dupOthers = clients.stream().mapToLong(c -> c.duplicates).sum() - dupS4;
    System.out.printf("MEASURE history: %s; sent %d; classic duplicates: %d at the %d clients of the killed s4"
        + " (in flight at the crash), %d at the others%n", report, history.sentCount(), dupS4, onS4.size(), dupOthers);
    assertTrue(report.ok(), "history: " + report);
    assertTrue(problems.isEmpty(), "client problems: " + problems);
  }

  /** Registers b0..b59 (on all three servers at once) and waits until s2 and s3 know the last ones. */
  private void registerAll() throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    List<String> names = List.of("s1", "s2", "s3");
    for (int k = 0; k < names.size(); k++) {
      int port = cluster.port(names.get(k));
      int from = k;
      Thread t = new Thread(() -> {
        try (LineClient lc = LineClient.connect(port)) {
          for (int i = from; i < CLIENTS; i += names.size()) {
            lc.register("b" + i, "pw" + i).expect("REGISTER_SUCCESS", Duration.ofSeconds(15));
            history.registerResult("b" + i, true);
          }
        } catch (AssertionError e) {
          problems.add("register: " + e.getMessage());
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(30_000);
    }
    assertTrue(problems.isEmpty(), "registration: " + problems);
    for (String s : names) {
      for (int i = CLIENTS - 3; i < CLIENTS; i++) {
        int u = i;
        await("b" + u + " known on " + s).atMost(Duration.ofSeconds(10))
            .until(() -> cluster.loginWorks(s, "b" + u, "pw" + u));
      }
    }
  }

  /** When every one of {@code peers} logged its link to {@code name} up. */
  private long awaitLinked(String name, List<String> peers) {
    await(name + " linked to " + peers).atMost(Duration.ofSeconds(15)).until(() -> peers.stream()
        .allMatch(p -> cluster.node(p).output().lines().anyMatch(l -> l.contains("link to " + name + "#")
            && l.contains(" up ("))));
    return System.currentTimeMillis();
  }

  private Map<String, Integer> loadsNow(List<String> servers) {
    Map<String, Integer> out = new TreeMap<>();
    Map<Integer, String> byPort = new TreeMap<>();
    for (String s : servers) {
      out.put(s, 0);
      byPort.put(cluster.port(s), s);
    }
    for (Client c : clients) {
      int p = c.loggedInPort;
      if (p > 0) {
        String s = byPort.get(p);
        out.merge(s == null ? "port" + p : s, 1, Integer::sum);
      }
    }
    return out;
  }

  /** Waits until all clients are logged in on {@code servers}, within 2 of each other, and nothing moved for a while. */
  private Map<String, Integer> awaitBalanced(String what, List<String> servers, Duration wait) {
    await(what).atMost(wait).untilAsserted(() -> {
      Map<String, Integer> l = loadsNow(servers);
      int total = l.values().stream().mapToInt(Integer::intValue).sum();
      int max = l.values().stream().mapToInt(Integer::intValue).max().orElse(0);
      int min = l.values().stream().mapToInt(Integer::intValue).min().orElse(0);
      assertTrue(total == CLIENTS && l.size() == servers.size() && max - min <= 2
          && System.currentTimeMillis() - lastChange.get() >= STABLE_MILLIS,
          () -> "loads " + l + ", redirects so far " + redirects.size() + ", problems " + problems);
    });
    return loadsNow(servers);
  }

  /** "s1>s2:7 ..." for the redirects since {@code t}. */
  private String redirectPaths(long t) {
    Map<String, Integer> paths = new TreeMap<>();
    Map<Integer, String> byPort = new TreeMap<>();
    for (String s : List.of("s1", "s2", "s3", "s4")) {
      byPort.put(cluster.port(s), s);
    }
    redirects.stream().filter(r -> r[0] >= t).forEach(r -> paths.merge(byPort.get((int) r[2]) + ">"
        + byPort.get((int) r[3]), 1, Integer::sum));
    return paths.toString();
  }

  private long redirectsSince(long t) {
    return redirects.stream().filter(r -> r[0] >= t).count();
  }

  private long clientsRedirectedMoreThanOnceSince(long t) {
    Map<Long, Integer> per = new TreeMap<>();
    redirects.stream().filter(r -> r[0] >= t).forEach(r -> per.merge(r[1], 1, Integer::sum));
    return per.values().stream().filter(n -> n > 1).count();
  }

  /** Fewest moves to the even share: the T%n most loaded keep share+1 (as RebalancePlan). */
  static int minimumMoves(java.util.Collection<Integer> loads) {
    List<Integer> sorted = new ArrayList<>(loads);
    sorted.sort(Comparator.reverseOrder());
    int total = sorted.stream().mapToInt(Integer::intValue).sum();
    int n = sorted.size();
    int moves = 0;
    for (int i = 0; i < n; i++) {
      int share = total / n + (i < total % n ? 1 : 0);
      moves += Math.max(0, sorted.get(i) - share);
    }
    return moves;
  }

  /**
   * A classic client on its own thread: logs in, follows REDIRECT, and when its server goes away without
   * one, logs in again through the first known server that accepts the connection. Senders send
   * {sender, n} every {@link #SEND_EVERY_MILLIS}.
   */
  private final class Client extends ClientThread {
    final int index;
    final String user;
    final String secret;
    final boolean sender;
    final int firstPort;
    volatile boolean sending = true;
    volatile int loggedInPort;
    private long nextN = 1;
    private final java.util.Set<String> seen = new java.util.HashSet<>();
    /** Activities received more than once (only the reader thread writes it). */
    volatile long duplicates;

    Client(int index, String user, String secret, boolean sender, int firstPort) {
      super("balance-client-" + user);
      this.index = index;
      this.user = user;
      this.secret = secret;
      this.sender = sender;
      this.firstPort = firstPort;
    }

    private void onBroadcast(JsonObject m) {
      JsonObject act = m.getJsonObject("activity");
      history.received(user, act.getString("sender"), act.getLong("n"), System.currentTimeMillis());
      if (!seen.add(act.getString("sender") + "/" + act.getLong("n"))) {
        duplicates++;
      }
    }

    @Override
    void loop() {
      Integer target = firstPort;
      int fallback = 0;
      while (running) {
        int port = target != null ? target : knownPorts.get(fallback++ % knownPorts.size());
        target = null;
        StreamClient c;
        try {
          c = StreamClient.connect(port, this::onBroadcast);
        } catch (IOException e) {
          pause(20); // refused: the next known server
          continue;
        }
        conn = c;
        if (!c.trySend(LineClient.command("LOGIN").put("username", user).put("secret", secret))) {
          c.close();
          continue;
        }
        JsonObject reply = c.control(Duration.ofSeconds(10));
        if (reply == null || !"LOGIN_SUCCESS".equals(reply.getString("command"))) {
          if (reply != null) {
            problems.add(user + " login on " + port + ": " + reply.encode());
          }
          c.close();
          pause(50);
          continue;
        }
        fallback = 0;
        long now = System.currentTimeMillis();
        history.loggedIn(user, now);
        loggedInPort = port;
        lastChange.accumulateAndGet(now, Math::max);
        long nextSend = now;
        while (running && !c.closed() && target == null) {
          long wait = sender && sending ? Math.max(0, nextSend - System.currentTimeMillis()) : 50;
          JsonObject ctl = c.control(Duration.ofMillis(wait));
          if (ctl != null) {
            target = onControl(ctl, port);
            continue;
          }
          if (sender && sending && System.currentTimeMillis() >= nextSend && !c.closed()) {
            long n = nextN++;
            history.sent(user, n, System.currentTimeMillis());
            c.trySend(LineClient.command("ACTIVITY_MESSAGE").put("username", user).put("secret", secret)
                .put("activity", new JsonObject().put("sender", user).put("n", n)));
            nextSend = System.currentTimeMillis() + SEND_EVERY_MILLIS;
          }
        }
        loggedInPort = 0;
        // REDIRECT is the last line before the server closes: read to the end of the stream
        JsonObject ctl;
        while (running && (ctl = c.control(Duration.ofSeconds(5))) != null) {
          Integer t = onControl(ctl, port);
          target = t != null ? t : target;
        }
        history.disconnected(user, c.closed() ? c.closedAt() : System.currentTimeMillis());
        c.close();
      }
    }

    /** The port of a REDIRECT, else null. */
    private Integer onControl(JsonObject ctl, int from) {
      String cmd = ctl.getString("command");
      if ("REDIRECT".equals(cmd)) {
        long now = System.currentTimeMillis();
        redirects.add(new long[] {now, index, from, ctl.getInteger("port")});
        lastChange.accumulateAndGet(now, Math::max);
        return ctl.getInteger("port");
      }
      if (!"AUTHENTICATION_FAIL".equals(cmd)) {
        // AUTHENTICATION_FAIL: an activity that crossed the REDIRECT (not accepted, classic protocol)
        problems.add(user + " got " + ctl.encode());
      }
      return null;
    }
  }
}
