package io.activitystreamer.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * Where secrets are hashed (PBKDF2 for REGISTER and LOGIN), for one server: a worker pool of
 * {@code hashThreads} threads (a shared Vert.x worker executor, apart from the default worker pool) and a
 * queue of at most {@code hashQueueMax} waiting jobs. A job beyond that fails at once with {@link Busy}
 * (answered "server busy, try again"), so a flood never builds an unbounded queue. LOGIN jobs run before
 * REGISTER jobs, and a LOGIN finding the queue full takes the place of the newest REGISTER (which is
 * answered busy): a REGISTER flood delays logins by about one hash and never makes them busy. A job whose connection has closed by
 * the time a thread is free is skipped. Each submitted job schedules one task on the executor, and each
 * task runs the most urgent job waiting then (not necessarily its own), so the priority holds with a
 * FIFO executor. Thread-safe.
 */
final class HashPool implements Shareable {
  enum Priority { LOGIN, REGISTER }

  private static final String MAP = "streamer.gateway";
  private static final String KEY = "hash-pool";

  private final int max;
  private final ArrayDeque<Job<?>> logins = new ArrayDeque<>();
  private final ArrayDeque<Job<?>> registers = new ArrayDeque<>();

  private HashPool(int max) {
    this.max = max;
  }

  static HashPool of(Vertx vertx, int maxQueued) {
    return vertx.sharedData().<String, HashPool>getLocalMap(MAP).computeIfAbsent(KEY, k -> new HashPool(maxQueued));
  }

  /** The executor of the pool, to close when the gateway instance stops (the threads go with the last one). */
  static WorkerExecutor executor(Vertx vertx, int threads) {
    return vertx.createSharedWorkerExecutor("streamer-hash", threads);
  }

  /**
   * Runs {@code work} on a hashing thread; the future completes on the caller's context. Fails with
   * {@link Busy} when the queue is full, with {@link Cancelled} when {@code cancelled} is true by the time
   * its turn comes.
   */
  <T> Future<T> submit(WorkerExecutor executor, Priority priority, Callable<T> work, BooleanSupplier cancelled) {
    Context context = Vertx.currentContext();
    Promise<T> promise = Promise.promise();
    Job<T> job = new Job<>(work, cancelled, promise, context);
    Job<?> evicted = null;
    synchronized (this) {
      if (logins.size() + registers.size() >= max) {
        // full: jobs of closed connections give way first, then (for a LOGIN) the newest REGISTER
        dropCancelled(logins);
        dropCancelled(registers);
      }
      if (logins.size() + registers.size() >= max) {
        if (priority == Priority.REGISTER || registers.isEmpty()) {
          return Future.failedFuture(new Busy());
        }
        evicted = registers.pollLast();
      }
      (priority == Priority.LOGIN ? logins : registers).addLast(job);
    }
    if (evicted != null) {
      evicted.complete(null, new Busy());
    }
    executor.executeBlocking(() -> {
      runNext();
      return null;
    }, false);
    return promise.future();
  }

  /** Removes the jobs whose connection has closed (each still has its executor task, which finds another job or none). */
  private static void dropCancelled(ArrayDeque<Job<?>> jobs) {
    jobs.removeIf(j -> {
      boolean gone = j.cancelled().getAsBoolean();
      if (gone) {
        j.complete(null, new Cancelled());
      }
      return gone;
    });
  }

  private void runNext() {
    Job<?> job;
    synchronized (this) {
      job = logins.isEmpty() ? registers.pollFirst() : logins.pollFirst();
    }
    if (job != null) {
      job.run();
    }
  }

  private record Job<T>(Callable<T> work, BooleanSupplier cancelled, Promise<T> promise, Context context) {
    void run() {
      if (cancelled.getAsBoolean()) {
        complete(null, new Cancelled());
        return;
      }
      try {
        complete(work.call(), null);
      } catch (Exception | Error e) {
        complete(null, e);
      }
    }

    void complete(T result, Throwable err) {
      Runnable r = () -> {
        if (err == null) {
          promise.complete(result);
        } else {
          promise.fail(err);
        }
      };
      if (context == null) {
        r.run();
      } else {
        context.runOnContext(v -> r.run());
      }
    }
  }

  /** The queue is full: answered "server busy, try again". */
  static final class Busy extends RuntimeException {
    Busy() {
      super("server busy, try again", null, false, false);
    }
  }

  /** The connection closed before its turn. */
  static final class Cancelled extends RuntimeException {
    Cancelled() {
      super("connection closed", null, false, false);
    }
  }
}
