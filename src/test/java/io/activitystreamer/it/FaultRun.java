package io.activitystreamer.it;

import static org.awaitility.Awaitility.await;

import io.activitystreamer.testing.HistoryChecker;
import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One seeded fault run against real server JVMs (issue 4). Three servers (s3 the seed, s1 and s2 joined
 * through it, both behind proxies so their link can be cut); concurrent REGISTER races for every name
 * on several servers; resume and classic clients sending numbered activities, disconnecting abruptly
 * and logging in again on another server, following REDIRECTs; meanwhile the seed picks faults: kill -9
 * of a server and its restart (new incarnation, same port), short and long cuts of the s1-s2 link, a
 * fourth server joining mid-run. Then faults stop, everything is restored, clients reconnect and the
 * run waits (bounded) until no owed activity is missing; the {@link HistoryChecker} report is the result.
 */
final class FaultRun {
  static final long ANNOUNCE = 300;
  static final long SUSPICION = 1500;

  final long seed;
  final Duration traffic;
  /**
   * Also a true partition: s3 killed, then the s1-s2 link cut for longer than failure detection, so no
   * path joins the two sides while clients keep using both (see {@link #run}). Off: a long cut happens
   * only while a third server can relay (a partial partition), as the guarantees require.
   */
  final boolean truePartition;
  final Random rnd;
  final HistoryChecker history = new HistoryChecker(1000 + 1500);
  final List<String> faults = new CopyOnWriteArrayList<>();
  final List<String> problems = new CopyOnWriteArrayList<>();
  private final AtomicReference<List<Integer>> livePorts = new AtomicReference<>(List.of());
  private Cluster cluster;

  /**
   * Servers on data directories, and the one fault is every server killed -9 at once during traffic,
   * then all restarted together in a random order (the first without -rh, the others through it).
   */
  final boolean fullRestart;

  FaultRun(long seed, Duration traffic, boolean truePartition, boolean fullRestart) {
    this.seed = seed;
    this.traffic = traffic;
    this.truePartition = truePartition;
    this.fullRestart = fullRestart;
    this.rnd = new Random(seed);
  }

  HistoryChecker.Report run() throws Exception {
    try (Cluster c = new Cluster(ANNOUNCE, SUSPICION)) {
      cluster = c;
      if (fullRestart) {
        c.withDataDirs(io.activitystreamer.testing.ServerProcess.buildDir().resolve("durability")
            .resolve("fault-" + seed + "-" + System.nanoTime()));
      }
      TcpProxy p1 = c.proxyInFront("s1");
      TcpProxy p2 = c.proxyInFront("s2");
      c.start("s3", null);
      c.launch("s1", "s3");
      c.launch("s2", "s3");
      c.node("s1").awaitPort(Duration.ofSeconds(30));
      c.node("s2").awaitPort(Duration.ofSeconds(30));
      refreshLive();
      c.awaitOneMembership(Duration.ofSeconds(20));

      int nUsers = 6;
      List<Actor> actors = new ArrayList<>();
      Map<String, String> secrets = registerRaces(nUsers);
      for (int i = 0; i < nUsers; i++) {
        String u = "u" + i;
        Actor a = new Actor(u, secrets.get(u), i % 2 == 0, new Random(seed * 1000 + i));
        history.user(u, a.resume);
        actors.add(a);
      }
      actors.forEach(Actor::start);

      long end = System.currentTimeMillis() + traffic.toMillis();
      boolean joined = false;
      boolean partitioned = false;
      String killed = null;
      long restartAt = 0;
      long fullRestartAt = System.currentTimeMillis() + traffic.toMillis() / 3;
      while (System.currentTimeMillis() < end) {
        ClientThread.pause(400 + rnd.nextInt(800));
        if (fullRestart) {
          if (fullRestartAt > 0 && System.currentTimeMillis() >= fullRestartAt) {
            fullRestartAt = 0;
            restartAll();
          }
          continue;
        }
        if (truePartition && !partitioned && killed == null) {
          partitioned = true;
          long ms = 2 * SUSPICION + rnd.nextInt(1500);
          fault("kill9 s3");
          c.kill9("s3");
          refreshLive();
          fault("true partition: long cut s1-s2 " + ms + "ms with s3 down");
          cutFor(ms, p1, p2);
          restart("s3");
          // the heal: what each side accepted alone reaches the other only once they re-form; a crash of
          // an isolated server before that takes its activities with it (docs/mesh.md), so faults wait
          c.awaitOneMembership(Duration.ofSeconds(40));
          continue;
        }
        if (killed != null && System.currentTimeMillis() >= restartAt) {
          restart(killed);
          killed = null;
          continue;
        }
        int f = rnd.nextInt(10);
        if (f < 3 && killed == null && c.liveNames().size() >= 3) {
          List<String> live = c.liveNames();
          killed = live.get(rnd.nextInt(live.size()));
          fault("kill9 " + killed);
          c.kill9(killed);
          refreshLive();
          restartAt = System.currentTimeMillis() + 500 + rnd.nextInt(2000);
        } else if (f < 6) {
          // a long cut only while another server can relay between s1 and s2 (else a true partition)
          boolean longCut = rnd.nextInt(4) == 0
              && c.liveNames().stream().anyMatch(n -> !n.equals("s1") && !n.equals("s2"));
          long ms = longCut ? 2 * SUSPICION + rnd.nextInt(1000) : 200 + rnd.nextInt(600);
          fault((longCut ? "long" : "short") + " cut s1-s2 " + ms + "ms");
          cutFor(ms, p1, p2);
        } else if (f < 7 && !joined) {
          joined = true;
          List<String> live = c.liveNames();
          String via = live.get(rnd.nextInt(live.size()));
          fault("join s4 via " + via);
          c.start("s4", via);
          refreshLive();
        }
      }
      // restore everything, let clients catch up
      p1.restore();
      p2.restore();
      if (killed != null) {
        restart(killed);
      }
      actors.forEach(a -> a.sending = false);
      c.awaitOneMembership(Duration.ofSeconds(40));
      try {
        await("every activity delivered, every actor settled").atMost(Duration.ofSeconds(30))
            .until(() -> history.missingNow() == 0 && actors.stream().allMatch(Actor::settled));
      } catch (ConditionTimeoutException e) {
        // the report and the problems below tell what is wrong
      }
      for (Actor a : actors) {
        if (!a.settled()) {
          problems.add(a.user + " never settled (logged in " + a.loggedInNow + ", unacked " + a.unackedCount() + ")");
        }
      }
      actors.forEach(Actor::stop);
      return history.check();
    }
  }

  /** The link through these proxies is down for {@code ms} (the fault schedule's own pause). */
  private static void cutFor(long ms, TcpProxy... proxies) {
    for (TcpProxy p : proxies) {
      p.cut();
    }
    ClientThread.pause(ms);
    for (TcpProxy p : proxies) {
      p.restore();
    }
  }

  private void fault(String f) {
    faults.add(f);
    history.note("FAULT " + f);
  }

  private void restartAll() {
    List<String> names = new ArrayList<>(cluster.liveNames());
    fault("kill9 all " + names);
    for (String n : names) {
      cluster.kill9(n);
    }
    // (the clients keep dialling the same ports: nothing is live until the restarts)
    Collections.shuffle(names, rnd);
    fault("restart all from disk in the order " + names);
    cluster.launch(names.get(0), null);
    for (String n : names.subList(1, names.size())) {
      cluster.launch(n, names.get(0));
    }
    for (String n : names) {
      cluster.node(n).awaitPort(Duration.ofSeconds(30));
    }
    refreshLive();
    cluster.awaitOneMembership(Duration.ofSeconds(30));
  }

  private void restart(String name) {
    List<String> live = new ArrayList<>(cluster.liveNames());
    live.remove(name);
    String via = live.get(rnd.nextInt(live.size()));
    fault("restart " + name + " via " + via);
    cluster.start(name, via);
    refreshLive();
  }

  private void refreshLive() {
    List<Integer> ports = new ArrayList<>();
    for (String n : cluster.liveNames()) {
      ports.add(cluster.port(n));
    }
    livePorts.set(Collections.unmodifiableList(ports));
  }

  /** Every name is registered concurrently on 2 or 3 servers with different secrets; returns the winners. */
  private Map<String, String> registerRaces(int nUsers) throws InterruptedException {
    Map<String, String> winners = Collections.synchronizedMap(new HashMap<>());
    List<Thread> threads = new ArrayList<>();
    List<Integer> ports = livePorts.get();
    for (int i = 0; i < nUsers + 4; i++) {
      String name = i < nUsers ? "u" + i : "race" + i;
      int attempts = 2 + rnd.nextInt(2);
      for (int k = 0; k < attempts; k++) {
        int port = ports.get((i + k) % ports.size());
        String secret = "pw-" + name + "-" + k;
        Thread t = new Thread(() -> {
          try (LineClient lc = LineClient.connect(port)) {
            lc.register(name, secret);
            boolean ok = "REGISTER_SUCCESS".equals(lc.next(Duration.ofSeconds(15)).getString("command"));
            history.registerResult(name, ok);
            if (ok) {
              winners.put(name, secret);
            }
          }
        });
        threads.add(t);
      }
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(30_000);
    }
    for (int i = 0; i < nUsers; i++) {
      String name = "u" + i;
      if (!winners.containsKey(name)) {
        problems.add("no REGISTER of " + name + " succeeded in the race");
        try (LineClient lc = LineClient.connect(ports.get(0))) {
          lc.register(name, "pw-retry").expect("REGISTER_SUCCESS");
          history.registerResult(name, true);
          winners.put(name, "pw-retry");
        }
      }
    }
    return winners;
  }

  /** One user's client: a thread that keeps a connection, sends, disconnects, moves, follows redirects. */
  final class Actor extends ClientThread {
    final String user;
    final String secret;
    final boolean resume;
    final Random r;
    volatile boolean sending = true;
    private volatile boolean loggedInNow;
    private String session;
    private long nextN = 1;
    private final Map<String, Long> receivedVector = new HashMap<>();
    private final TreeMap<Long, JsonObject> unacked = new TreeMap<>();

    Actor(String user, String secret, boolean resume, Random r) {
      super("actor-" + user);
      this.user = user;
      this.secret = secret;
      this.resume = resume;
      this.r = r;
    }

    boolean settled() {
      synchronized (unacked) {
        return loggedInNow && unacked.isEmpty();
      }
    }

    int unackedCount() {
      synchronized (unacked) {
        return unacked.size();
      }
    }

    private void onBroadcast(JsonObject m) {
      JsonObject act = m.getJsonObject("activity");
      String sender = act.getString("sender");
      long n = act.getLong("n");
      history.received(user, sender, n, System.currentTimeMillis());
      JsonObject eid = m.getJsonObject("eid");
      if (eid != null) {
        synchronized (receivedVector) {
          receivedVector.merge(eid.getString("origin"), eid.getLong("n"), Math::max);
        }
      }
      if (sender.equals(user)) {
        synchronized (unacked) {
          unacked.headMap(n, true).clear();
        }
      }
    }

    private JsonObject activity(long n) {
      JsonObject m = LineClient.command("ACTIVITY_MESSAGE").put("username", user).put("secret", secret)
          .put("activity", new JsonObject().put("sender", user).put("n", n));
      if (resume) {
        m.put("seq", n);
      }
      return m;
    }

    @Override
    void loop() {
      Integer target = null;
      while (running) {
        List<Integer> ports = livePorts.get();
        int port = target != null ? target : ports.get(r.nextInt(ports.size()));
        target = null;
        StreamClient c;
        try {
          c = StreamClient.connect(port, this::onBroadcast);
        } catch (IOException e) {
          pause(100);
          continue;
        }
        conn = c;
        JsonObject login = LineClient.command("LOGIN").put("username", user).put("secret", secret);
        if (resume) {
          JsonObject res = new JsonObject();
          if (session != null) {
            res.put("session", session);
          }
          synchronized (receivedVector) {
            res.put("received", new JsonObject(new HashMap<>(receivedVector)));
          }
          login.put("resume", res);
        }
        if (!c.trySend(login)) {
          c.close();
          continue;
        }
        JsonObject reply = c.control(Duration.ofSeconds(8));
        if (reply == null || !"LOGIN_SUCCESS".equals(reply.getString("command"))) {
          if (reply != null) {
            problems.add(user + " login on " + port + ": " + reply.encode());
          }
          c.close();
          pause(100);
          continue;
        }
        history.loggedIn(user, System.currentTimeMillis());
        history.note(user + " on port " + port + (resume ? " session " + reply.getString("session") + " lastSeq "
            + reply.getLong("lastSeq", 0L) : ""));
        loggedInNow = true;
        if (resume) {
          session = reply.getString("session");
          long lastSeq = reply.getLong("lastSeq", 0L);
          List<Long> resend;
          synchronized (unacked) {
            unacked.headMap(lastSeq, true).clear();
            resend = new ArrayList<>(unacked.keySet());
          }
          for (long n : resend) {
            history.sent(user, n, System.currentTimeMillis());
            c.trySend(activity(n));
          }
        }
        while (running && !c.closed()) {
          JsonObject ctl = c.control(Duration.ZERO);
          if (ctl != null) {
            if ("REDIRECT".equals(ctl.getString("command"))) {
              target = ctl.getInteger("port");
            } else if (!"AUTHENTICATION_FAIL".equals(ctl.getString("command"))) {
              // AUTHENTICATION_FAIL: an activity sent after the server redirected us (not accepted)
              problems.add(user + " got " + ctl.encode());
            }
            continue;
          }
          if (sending) {
            long n = nextN++;
            if (resume) {
              synchronized (unacked) {
                unacked.put(n, new JsonObject());
              }
            }
            history.sent(user, n, System.currentTimeMillis());
            c.trySend(activity(n));
            if (r.nextInt(40) == 0) {
              c.close();
              break;
            }
          }
          pause(30 + r.nextInt(50));
        }
        loggedInNow = false;
        history.disconnected(user, c.closed() ? c.closedAt() : System.currentTimeMillis());
        c.close();
        JsonObject ctl;
        while ((ctl = c.control(Duration.ofMillis(50))) != null) {
          if ("REDIRECT".equals(ctl.getString("command"))) {
            target = ctl.getInteger("port");
          }
        }
      }
    }
  }
}
