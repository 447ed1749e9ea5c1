package io.activitystreamer.bench;

import io.activitystreamer.util.Cli;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The load generator ({@code java -jar activitystreamer.jar bench ...}): N subscribers and M publishers
 * over K servers on one or two event loops ({@link BenchLoop}). Phases: connect and log in every client
 * (following REDIRECTs) and wait until logins are quiet; publish for warm-up plus duration, recording
 * latencies and counting only in the measured window; stop publishing and wait for the last deliveries;
 * then report. Deliveries are counted at subscribers only (publishers receive every activity too, and
 * are counted apart). Lost = published x subscribers - distinct deliveries at subscribers, over the
 * whole run, warm-up included. Latency: from the send time stamped in the activity ("t", this JVM's
 * nanoTime) to the read of the chunk that held the broadcast.
 */
public final class Bench {
  private static final long BASE = System.nanoTime();

  private Bench() {}

  /** Nanoseconds since the generator started (the clock of the "t" field). */
  static long now() {
    return System.nanoTime() - BASE;
  }

  /** {@code bench [options]} on the command line: one run, a summary, then its JSON line. */
  @CommandLine.Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      sortOptions = false, usageHelpAutoWidth = true, separator = " ",
      header = "The load generator: N subscribers and M publishers over the given servers, one JSON line out.",
      footer = "%nOutput: a summary, then one line of JSON starting with {\"bench\":")
  public static final class Command implements Callable<Integer> {
    @Mixin
    BenchOptions options;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      try {
        options.check();
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      BenchResult r;
      try {
        r = run(options);
      } catch (Exception e) {
        System.err.println("bench failed: " + e.getMessage());
        return 1;
      }
      if (!options.quiet) {
        System.out.println(r.summary());
      }
      System.out.println(r.toJson().encode());
      System.out.flush();
      return r.error() == null ? 0 : 1;
    }
  }

  /** Runs one benchmark and returns its result; throws if the clients cannot all log in. */
  public static BenchResult run(BenchOptions o) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.eventLoops).setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1));
    try {
      Run run = new Bench.Run(o, vertx);
      BenchResult r;
      try {
        r = run.execute();
      } finally {
        run.closing();
      }
      if (o.report != null) {
        BenchReport.write(java.nio.file.Path.of(o.report), r);
      }
      return r;
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static final class Run {
    private final BenchOptions o;
    private final Vertx vertx;
    private final List<BenchLoop> loops = new ArrayList<>();
    private final List<BenchClient> clients = new ArrayList<>();

    Run(BenchOptions o, Vertx vertx) {
      this.o = o;
      this.vertx = vertx;
    }

    BenchResult execute() throws Exception {
      for (int i = 0; i < o.eventLoops; i++) {
        BenchLoop l = new BenchLoop(o);
        vertx.deployVerticle(l).await(30, TimeUnit.SECONDS);
        loops.add(l);
      }
      createClients();
      linkSubscribers();
      List<ProcStats> before = procs();
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
      all(l -> {
        l.startPublishing();
        return null;
      });
      sleepSeconds(o.warmupSeconds);
      List<BenchLoop.Snapshot> start = all(l -> {
        l.record(true);
        return l.snapshot();
      });
      List<ProcStats> p0 = procs();
      ProcStats g0 = ProcStats.read(ProcessHandle.current().pid());
      long m0 = ProcStats.machineBusyTicks();
      long t0 = now();
      r.throughput = sample(t0);
      long m1 = ProcStats.machineBusyTicks();
      long t1 = now();
      List<BenchLoop.Snapshot> end = all(l -> {
        BenchLoop.Snapshot s = l.snapshot();
        l.record(false);
        return s;
      });
      List<ProcStats> p1 = procs();
      ProcStats g1 = ProcStats.read(ProcessHandle.current().pid());
      all(l -> {
        l.stopPublishing();
        return null;
      });
      List<BenchLoop.Snapshot> last = drain(r);
      long publishedTotal = sum(last).published();
      // which subscribers are short, if any: the first few, for a loss report
      for (List<String> l : all(l -> l.clients.stream()
          .filter(c -> c.role == BenchClient.Role.SUB && c.distinct < publishedTotal)
          .map(c -> (publishedTotal - c.distinct) + " missing at " + c.describe()).toList())) {
        r.shortSubscribers.addAll(l);
      }
      r.window(sum(start), sum(end));
      r.measuredSeconds = o.durationSeconds;
      r.totals(sum(last));
      r.latency = merged(end);
      for (int i = 0; i < p0.size(); i++) {
        r.servers.add(new JsonObject().put("pid", o.pids.get(i))
            .put("cpuPct", round(ProcStats.cpuPercent(p0.get(i), p1.get(i)), 1))
            .put("rssMiB", p1.get(i) == null ? -1 : round(p1.get(i).rssKiB() / 1024.0, 1))
            .put("peakRssMiB", p1.get(i) == null ? -1 : round(p1.get(i).peakRssKiB() / 1024.0, 1)));
      }
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
      long[] prev = counters();
      long tPrev = t0;
      while (tPrev < end) {
        long next = Math.min(end, tPrev + 1_000_000_000L);
        long wait = next - now();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        long[] c = counters();
        long t = now();
        double dt = (t - tPrev) / 1e9;
        out.add(new double[] {(t - t0) / 1e9, (c[0] - prev[0]) / dt, (c[1] - prev[1]) / dt, (c[2] - prev[2]) / dt});
        prev = c;
        tPrev = t;
      }
      return out;
    }

    private long[] counters() throws Exception {
      long[] sum = new long[3];
      for (long[] c : all(BenchLoop::counters)) {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += c[i];
        }
      }
      return sum;
    }

    void closing() {
      try {
        all(l -> {
          l.closing();
          return null;
        });
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
      BenchLoop loop = loops.get(n % loops.size());
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
          String first = all(l -> l.firstError).stream().filter(s -> s != null).findFirst().orElse(null);
          throw new IllegalStateException("clients could not log in: " + e.getMessage()
              + (first == null ? "" : " (first error: " + first + ")"), e);
        }
      }
    }

    /** Waits until every client is logged in and no login or redirect happened for settleMillis. */
    private void settle() throws Exception {
      long deadline = now() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        List<BenchLoop.Snapshot> s = all(BenchLoop::snapshot);
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
      List<ProcStats> p1 = procs();
      System.err.println("bench: ready " + clients.size() + " connections");
      System.err.flush();
      sleepSeconds(o.warmupSeconds + o.durationSeconds);
      List<BenchLoop.Snapshot> s = all(BenchLoop::snapshot);
      r.totals(sum(s));
      for (int i = 0; i < before.size(); i++) {
        ProcStats a = before.get(i);
        ProcStats b = p1.get(i);
        JsonObject js = new JsonObject().put("pid", o.pids.get(i));
        if (a != null && b != null) {
          js.put("rssMiB", round(b.rssKiB() / 1024.0, 1))
              .put("rssKiBPerConnection", round((b.rssKiB() - a.rssKiB()) / (double) clients.size(), 2));
        }
        r.servers.add(js);
      }
      return r.build();
    }

    /** Waits until subscribers received everything published, or the drain time is up. */
    private List<BenchLoop.Snapshot> drain(BenchResult.Builder r) throws Exception {
      long start = now();
      long deadline = start + (long) (o.drainSeconds * 1e9);
      while (true) {
        List<BenchLoop.Snapshot> s = all(BenchLoop::snapshot);
        BenchLoop.Snapshot t = sum(s);
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

    private <T> List<T> all(Function<BenchLoop, T> f) throws Exception {
      List<Future<T>> fs = new ArrayList<>();
      for (BenchLoop l : loops) {
        fs.add(l.call(f));
      }
      Future.all(fs).await(30, TimeUnit.SECONDS);
      List<T> out = new ArrayList<>();
      for (Future<T> x : fs) {
        out.add(x.result());
      }
      return out;
    }

    private List<ProcStats> procs() {
      List<ProcStats> out = new ArrayList<>();
      for (long pid : o.pids) {
        out.add(ProcStats.read(pid));
      }
      return out;
    }

    private void log(String fmt, Object... args) {
      if (!o.quiet) {
        System.err.println("bench: " + String.format(Locale.ROOT, fmt, args));
      }
    }
  }

  static BenchLoop.Snapshot sum(List<BenchLoop.Snapshot> s) {
    long pub = 0;
    long sd = 0;
    long dup = 0;
    long late = 0;
    long pd = 0;
    long behind = 0;
    long redirects = 0;
    long disc = 0;
    int in = 0;
    long slow = 0;
    String err = null;
    for (BenchLoop.Snapshot x : s) {
      pub += x.published();
      sd += x.subscriberDeliveries();
      dup += x.subscriberDuplicates();
      late += x.subscriberLate();
      pd += x.publisherDeliveries();
      behind += x.behind();
      redirects += x.redirects();
      disc += x.disconnects();
      in += x.loggedIn();
      slow += x.slowLines();
      err = err == null ? x.firstError() : err;
    }
    return new BenchLoop.Snapshot(pub, sd, dup, late, pd, behind, redirects, disc, in, 0, slow, null, err);
  }

  private static Histogram merged(List<BenchLoop.Snapshot> s) {
    Histogram h = new Histogram(60_000_000_000L, 3);
    for (BenchLoop.Snapshot x : s) {
      h.add(x.latency());
    }
    return h;
  }

  private static void sleepSeconds(double s) throws InterruptedException {
    Thread.sleep((long) (s * 1000));
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static JsonArray array(List<JsonObject> l) {
    return new JsonArray(new ArrayList<>(l));
  }
}
