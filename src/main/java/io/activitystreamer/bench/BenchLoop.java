package io.activitystreamer.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * One generator event loop: its connections, counters and latency histogram. Everything here runs on
 * that loop's thread; the driver ({@link Bench}) reads it only through {@link #call}, on the loop.
 */
final class BenchLoop extends VerticleBase {
  private final BenchOptions options;
  private NetClient client;
  final List<BenchClient> clients = new ArrayList<>();
  private final List<BenchClient> publishers = new ArrayList<>();
  private final Histogram latency = new Histogram(60_000_000_000L, 3);
  private boolean recording;
  private long chunkNanos;
  private long timer = -1;

  long published;
  long subscriberDeliveries;
  long subscriberDuplicates;
  long subscriberLate;
  long publisherDeliveries;
  long behind;
  long redirects;
  long disconnects;
  int loggedIn;
  long lastLoginChange;
  String firstError;

  BenchLoop(BenchOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() {
    NetClientOptions opts = new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000)
        .setReceiveBufferSize(256 * 1024);
    if (options.tlsCa != null) {
      opts.setSsl(true).setTrustOptions(new PemTrustOptions().addCertPath(options.tlsCa))
          .setHostnameVerificationAlgorithm("");
    }
    client = vertx.createNetClient(opts);
    return Future.succeededFuture();
  }

  Context context() {
    return context;
  }

  /** Runs {@code f} on this loop and returns its result. */
  <T> Future<T> call(Function<BenchLoop, T> f) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(f.apply(this));
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  /**
   * Starts a client of this loop; completes at its LOGIN_SUCCESS. The connect must be called on this
   * loop's context (a connect from any other thread gets a new event-loop context, and the client's
   * handlers would then race with this loop's timer and counters).
   */
  Future<Void> connect(BenchClient c) {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> c.start().onComplete(p));
    return p.future();
  }

  void add(BenchClient c) {
    clients.add(c);
    if (c.role == BenchClient.Role.PUB) {
      publishers.add(c);
    }
  }

  NetClient client() {
    return client;
  }

  BenchOptions options() {
    return options;
  }

  // ---- driver commands (on the loop) ----

  void startPublishing() {
    for (BenchClient p : publishers) {
      p.startPublishing();
    }
    boolean needTimer = !options.maxRate() || options.ackSlowest;
    if (needTimer && !publishers.isEmpty()) {
      timer = vertx.setPeriodic(1, id -> {
        long now = Bench.now();
        for (BenchClient p : publishers) {
          if (!p.publishing) {
            continue;
          }
          if (options.maxRate()) {
            p.refill();
          } else {
            p.tick(now, options.rate);
          }
        }
      });
    }
  }

  void stopPublishing() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    for (BenchClient c : clients) {
      c.stopPublishing();
    }
  }

  void closing() {
    for (BenchClient c : clients) {
      c.closing();
    }
  }

  void record(boolean on) {
    if (on) {
      latency.reset();
    }
    recording = on;
  }

  Snapshot snapshot() {
    long slow = 0;
    for (BenchClient c : clients) {
      slow += c.slowLines();
    }
    return new Snapshot(published, subscriberDeliveries, subscriberDuplicates, subscriberLate, publisherDeliveries,
        behind,
        redirects, disconnects, loggedIn, lastLoginChange, slow, latency.copy(), firstError);
  }

  /** Counters at one moment, plus the latencies recorded since recording was switched on. */
  record Snapshot(long published, long subscriberDeliveries, long subscriberDuplicates, long subscriberLate,
                  long publisherDeliveries,
                  long behind, long redirects, long disconnects, int loggedIn, long lastLoginChange,
                  long slowLines, Histogram latency, String firstError) {}

  // ---- events from clients ----

  void chunkArrived() {
    chunkNanos = Bench.now();
  }

  void subscriberDelivery(long sentNanos, boolean fresh, boolean late) {
    subscriberDeliveries++;
    if (late) {
      subscriberLate++;
    }
    if (!fresh) {
      subscriberDuplicates++;
    }
    if (recording) {
      long v = chunkNanos - sentNanos;
      latency.recordValue(v < 0 ? 0 : Math.min(v, 60_000_000_000L));
    }
  }

  /** A subscriber read a chunk and its target does not answer publishes: let this loop's publishers refill. */
  void subscriberProgress() {
    if (options.maxRate()) {
      for (BenchClient p : publishers) {
        if (p.publishing) {
          p.refill();
        }
      }
    }
  }

  /** Counters for a throughput sample: published, deliveries to subscribers, deliveries to publishers. */
  long[] counters() {
    return new long[] {published, subscriberDeliveries, publisherDeliveries};
  }

  void publisherDelivery() {
    publisherDeliveries++;
  }

  void published(int n) {
    published += n;
  }

  void behind() {
    behind++;
  }

  void redirected() {
    redirects++;
  }

  void disconnected() {
    disconnects++;
  }

  void loggedInChanged(int delta) {
    loggedIn += delta;
    lastLoginChange = Bench.now();
  }

  void error(String message) {
    if (firstError == null) {
      firstError = message;
    }
  }
}
