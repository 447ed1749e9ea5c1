package io.activitystreamer.bench;

import static io.activitystreamer.bench.Bench.now;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One run's phases (see {@link Bench}): clients made and spread over the servers and loops, connected and
 * settled; publishing through warm-up and the measured window (one throughput sample a second); the drain;
 * the result put together. Runs on the caller's thread, asking the loops through {@link BenchLoops}.
 */
final class BenchRun {
  private final BenchOptions o;
  private final Vertx vertx;
  private final BenchLoops loops = new BenchLoops();
  private final List<BenchClient> clients = new ArrayList<>();

  BenchRun(BenchOptions o, Vertx vertx) {
    this.o = o;
    this.vertx = vertx;
  }

  BenchResult execute() throws Exception {
    loops.deploy(o, vertx);
    createClients();
    linkSubscribers();
    List<ProcStats> before = ServerSamples.read(o);
    long connectStart = now();
    connectAll();
    settle();
    long connectNanos = now() - connectStart;
    log("%d connections logged in on %d server(s) in %.1f s", clients.size(), o.servers.size(), connectNanos / 1e9);
    BenchResult.Builder r = new BenchResult.Builder(o);
    r.connectSeconds = connectNanos / 1e9;
    if (o.publishers == 0) {
      return idle(r, before);
    }
    loops.each(BenchLoop::startPublishing);
    sleepSeconds(o.warmupSeconds);
    List<BenchLoop.Snapshot> start = loops.all(l -> {
      l.record(true);
      return l.snapshot();
    });
    List<ProcStats> p0 = ServerSamples.read(o);
    ProcStats g0 = ProcStats.read(ProcessHandle.current().pid());
    long m0 = ProcStats.machineBusyTicks();
    long t0 = now();
    r.throughput = sample(t0);
    long m1 = ProcStats.machineBusyTicks();
    long t1 = now();
    List<BenchLoop.Snapshot> end = loops.all(l -> {
      BenchLoop.Snapshot s = l.snapshot();
      l.record(false);
      return s;
    });
    List<ProcStats> p1 = ServerSamples.read(o);
    ProcStats g1 = ProcStats.read(ProcessHandle.current().pid());
    loops.each(BenchLoop::stopPublishing);
    List<BenchLoop.Snapshot> last = drain(r);
    long publishedTotal = BenchLoops.sum(last).published();
    // which subscribers are short, if any: the first few, for a loss report
    for (List<String> l : loops.all(l -> l.clients.stream()
        .filter(c -> c.role == BenchClient.Role.SUB && c.distinct < publishedTotal)
        .map(c -> (publishedTotal - c.distinct) + " missing at " + c.describe()).toList())) {
      r.shortSubscribers.addAll(l);
    }
    r.window(BenchLoops.sum(start), BenchLoops.sum(end));
    r.measuredSeconds = o.durationSeconds;
    r.totals(BenchLoops.sum(last));
    r.latency = BenchLoops.merged(end);
    ServerSamples.window(o, p0, p1, r.servers);
    r.generatorCpuPct = ProcStats.cpuPercent(g0, g1);
    if (m0 >= 0 && m1 >= 0) {
      // everything busy on the machine, in percent of one core: shows other load sharing the cores
      r.machineCpuPct = 100.0 * (m1 - m0) / ProcStats.TICKS_PER_SECOND / ((t1 - t0) / 1e9);
    }
    r.loadAverage = ProcStats.loadAverage();
    return r.build();
  }

  /**
   * Sleeps through the measured window, taking one throughput sample per second (the last one shorter
   * if the duration is not whole): [end of the interval in s, published/s, deliveries/s to
   * subscribers, to publishers].
   */
  private List<double[]> sample(long t0) throws Exception {
    List<double[]> out = new ArrayList<>();
    long end = t0 + (long) (o.durationSeconds * 1e9);
    long[] prev = loops.counters();
    long tPrev = t0;
    while (tPrev < end) {
      long next = Math.min(end, tPrev + 1_000_000_000L);
      long wait = next - now();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      long[] c = loops.counters();
      long t = now();
      double dt = (t - tPrev) / 1e9;
      out.add(new double[] {(t - t0) / 1e9, (c[0] - prev[0]) / dt, (c[1] - prev[1]) / dt, (c[2] - prev[2]) / dt});
      prev = c;
      tPrev = t;
    }
    return out;
  }

  void closing() {
    try {
      loops.each(BenchLoop::closing);
    } catch (Exception ignored) {
      // closing anyway
    }
  }

  private void createClients() {
    String run = Long.toString(System.currentTimeMillis(), 36) + ThreadLocalRandom.current().nextInt(1000);
    int k = o.servers.size();
    for (int j = 0; j < o.publishers; j++) {
      // one round-robin sequence over publishers then subscribers: server loads differ by at most 1,
      // so the balancer has no reason to redirect anyone
      clients.add(client(BenchClient.Role.PUB, j, j, o.servers.get(j % k), "bench-" + run + "-p" + j));
    }
    for (int i = 0; i < o.subscribers; i++) {
      clients.add(client(BenchClient.Role.SUB, -1, o.publishers + i, o.servers.get((o.publishers + i) % k),
          "bench-" + run + "-s" + i));
    }
  }

  private void linkSubscribers() {
    List<BenchClient> subs = clients.stream().filter(c -> c.role == BenchClient.Role.SUB).toList();
    for (BenchClient c : clients) {
      if (c.role == BenchClient.Role.PUB) {
        c.subscribers = subs;
      }
    }
  }

  private BenchClient client(BenchClient.Role role, int index, int n, BenchOptions.Target t, String name) {
    BenchLoop loop = loops.forClient(n);
    BenchClient c = new BenchClient(loop, role, index, t, o.registered ? name : "anonymous",
        o.registered ? "s" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) : null,
        o.publishers);
    loop.add(c);
    return c;
  }

  private void connectAll() throws Exception {
    for (int from = 0; from < clients.size(); from += o.connectConcurrency) {
      List<Future<Void>> batch = new ArrayList<>();
      for (BenchClient c : clients.subList(from, Math.min(clients.size(), from + o.connectConcurrency))) {
        batch.add(c.loop.connect(c));
      }
      try {
        Future.all(batch).await(120, TimeUnit.SECONDS);
      } catch (Exception e) {
        String first = loops.all(l -> l.firstError).stream().filter(s -> s != null).findFirst().orElse(null);
        throw new IllegalStateException("clients could not log in: " + e.getMessage()
            + (first == null ? "" : " (first error: " + first + ")"), e);
      }
    }
  }

  /** Waits until every client is logged in and no login or redirect happened for settleMillis. */
  private void settle() throws Exception {
    long deadline = now() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      List<BenchLoop.Snapshot> s = loops.snapshots();
      int in = 0;
      long lastChange = 0;
      for (BenchLoop.Snapshot x : s) {
        in += x.loggedIn();
        lastChange = Math.max(lastChange, x.lastLoginChange());
      }
      if (in == clients.size() && now() - lastChange >= TimeUnit.MILLISECONDS.toNanos(o.settleMillis)) {
        return;
      }
      if (now() > deadline) {
        throw new IllegalStateException("only " + in + " of " + clients.size() + " clients stayed logged in");
      }
      Thread.sleep(20);
    }
  }

  private BenchResult idle(BenchResult.Builder r, List<ProcStats> before) throws Exception {
    List<ProcStats> p1 = ServerSamples.read(o);
    System.err.println("bench: ready " + clients.size() + " connections");
    System.err.flush();
    sleepSeconds(o.warmupSeconds + o.durationSeconds);
    r.totals(BenchLoops.sum(loops.snapshots()));
    ServerSamples.idle(o, before, p1, clients.size(), r.servers);
    return r.build();
  }

  /** Waits until subscribers received everything published, or the drain time is up. */
  private List<BenchLoop.Snapshot> drain(BenchResult.Builder r) throws Exception {
    long start = now();
    long deadline = start + (long) (o.drainSeconds * 1e9);
    while (true) {
      List<BenchLoop.Snapshot> s = loops.snapshots();
      BenchLoop.Snapshot t = BenchLoops.sum(s);
      long expected = t.published() * o.subscribers;
      boolean complete = t.subscriberDeliveries() - t.subscriberDuplicates() >= expected;
      if (complete || now() > deadline) {
        r.drainSeconds = (now() - start) / 1e9;
        r.drainTimedOut = !complete;
        return s;
      }
      Thread.sleep(20);
    }
  }

  private void log(String fmt, Object... args) {
    if (!o.quiet) {
      System.err.println("bench: " + String.format(Locale.ROOT, fmt, args));
    }
  }

  private static void sleepSeconds(double s) throws InterruptedException {
    Thread.sleep((long) (s * 1000));
  }
}
