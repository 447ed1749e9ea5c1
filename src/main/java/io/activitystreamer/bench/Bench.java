package io.activitystreamer.bench;

import io.activitystreamer.util.Cli;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>This class is the command line and the clock; {@link BenchRun} runs the phases over the loops
 * ({@link BenchLoops}), {@link ServerSamples} reads the servers' processes, {@link BenchResult} is the JSON.
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
      BenchRun run = new BenchRun(o, vertx);
      BenchResult r;
      try {
        r = run.execute();
      } finally {
        run.closing();
      }
      if (o.report != null) {
        BenchReport.write(Path.of(o.report), r);
      }
      return r;
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
