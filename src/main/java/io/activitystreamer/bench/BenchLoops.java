package io.activitystreamer.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * The event loops of one run ({@link BenchLoop}, one verticle each): a question asked of all of them on
 * their own threads ({@link #all}), and their snapshots and latencies added up.
 */
final class BenchLoops {
  private final List<BenchLoop> loops = new ArrayList<>();

  /** Deploys {@code o.eventLoops} loops on {@code vertx}. */
  void deploy(BenchOptions o, Vertx vertx) throws Exception {
    for (int i = 0; i < o.eventLoops; i++) {
      BenchLoop l = new BenchLoop(o);
      vertx.deployVerticle(l).await(30, TimeUnit.SECONDS);
      loops.add(l);
    }
  }

  /** The loop of the {@code n}-th client (round robin). */
  BenchLoop forClient(int n) {
    return loops.get(n % loops.size());
  }

  /** {@code f} on every loop's thread; the answers in loop order. */
  <T> List<T> all(Function<BenchLoop, T> f) throws Exception {
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

  /** {@code action} on every loop's thread. */
  void each(Consumer<BenchLoop> action) throws Exception {
    all(l -> {
      action.accept(l);
      return null;
    });
  }

  /** The loops' counters added up: [published, deliveries to subscribers, to publishers]. */
  long[] counters() throws Exception {
    long[] sum = new long[3];
    for (long[] c : all(BenchLoop::counters)) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] += c[i];
      }
    }
    return sum;
  }

  /** Every loop's snapshot. */
  List<BenchLoop.Snapshot> snapshots() throws Exception {
    return all(BenchLoop::snapshot);
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

  /** The snapshots' latency histograms as one. */
  static Histogram merged(List<BenchLoop.Snapshot> s) {
    Histogram h = new Histogram(60_000_000_000L, 3);
    for (BenchLoop.Snapshot x : s) {
      h.add(x.latency());
    }
    return h;
  }
}
