package io.activitystreamer.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one run measured. Rates are over the measured window; {@code published}, {@code expected},
 * {@code received} and {@code lost} cover the whole run (warm-up included) after the drain.
 */
public record BenchResult(JsonObject json, Histogram latency) {

  public long published() {
    return json.getLong("published");
  }

  public long expected() {
    return json.getLong("expected");
  }

  public long received() {
    return json.getLong("received");
  }

  public long lost() {
    return json.getLong("lost");
  }

  public long outOfOrder() {
    return json.getLong("outOfOrder");
  }

  public long duplicates() {
    return json.getLong("duplicates");
  }

  public long publisherReceived() {
    return json.getLong("publisherReceived");
  }

  public double deliveriesPerSecond() {
    return json.getDouble("deliveriesPerSec", 0.0);
  }

  public String error() {
    return json.getString("error");
  }

  public JsonObject toJson() {
    return json;
  }

  /** A few human-readable lines. */
  public String summary() {
    JsonObject j = json;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "bench %s (%s): %d pubs -> %d subs on %d server(s), payload %d B, %s%n",
        j.getString("label"), j.getString("target"), j.getInteger("pubs"), j.getInteger("subs"), j.getInteger("servers"),
        j.getInteger("payload"), j.getDouble("rate") > 0 ? j.getDouble("rate") + " msg/s per publisher"
            : "max rate, window " + j.getInteger("window") + " acknowledged by " + j.getString("ack")));
    if (j.containsKey("publishedPerSec")) {
      b.append(String.format(Locale.ROOT, "  published   %,14.0f msg/s%n", j.getDouble("publishedPerSec")));
      b.append(String.format(Locale.ROOT, "  deliveries  %,14.0f /s to subscribers (%,.0f /s to publishers)%n",
          j.getDouble("deliveriesPerSec"), j.getDouble("publisherDeliveriesPerSec")));
      b.append(String.format(Locale.ROOT, "  latency ms  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
          j.getDouble("p50Ms"), j.getDouble("p90Ms"), j.getDouble("p99Ms"), j.getDouble("p999Ms"),
          j.getDouble("maxMs")));
    }
    b.append(String.format(Locale.ROOT,
        "  published %d, expected %d, received %d, lost %d, duplicates %d, out of order %d%n",
        j.getLong("published"), j.getLong("expected"), j.getLong("received"), j.getLong("lost"),
        j.getLong("duplicates"), j.getLong("outOfOrder")));
    for (Object s : j.getJsonArray("serverStats")) {
      b.append("  server ").append(((JsonObject) s).encode()).append('\n');
    }
    if (j.getJsonArray("serverStats").size() > 1) {
      b.append(String.format(Locale.ROOT, "  servers cpu %.0f%% together%n", j.getDouble("serversCpuPct")));
    }
    if (j.containsKey("generatorCpuPct")) {
      b.append(String.format(Locale.ROOT, "  generator cpu %.0f%%", j.getDouble("generatorCpuPct")));
      if (j.containsKey("otherCpuPct")) {
        b.append(String.format(Locale.ROOT, ", other processes %.0f%% (load average %.1f)",
            j.getDouble("otherCpuPct"), j.getDouble("loadAverage")));
      }
      b.append('\n');
    }
    if (j.getString("error") != null) {
      b.append("  error: ").append(j.getString("error")).append('\n');
    }
    return b.toString().stripTrailing();
  }

  /** Collects the pieces of a result. */
  static final class Builder {
    private final BenchOptions o;
    private BenchLoop.Snapshot start;
    private BenchLoop.Snapshot end;
    private BenchLoop.Snapshot totals;
    Histogram latency;
    List<double[]> throughput = List.of();
    double measuredSeconds;
    double connectSeconds;
    double drainSeconds;
    boolean drainTimedOut;
    double generatorCpuPct = -1;
    double machineCpuPct = -1;
    double loadAverage = -1;
    final List<JsonObject> servers = new ArrayList<>();
    final List<String> shortSubscribers = new ArrayList<>();

    Builder(BenchOptions o) {
      this.o = o;
    }

    void window(BenchLoop.Snapshot s, BenchLoop.Snapshot e) {
      start = s;
      end = e;
    }

    void totals(BenchLoop.Snapshot t) {
      totals = t;
    }

    BenchResult build() {
      JsonObject j = new JsonObject().put("bench", 1).put("label", o.label).put("target", o.target.toString())
          .put("pubs", o.publishers)
          .put("subs", o.subscribers).put("servers", o.servers.size()).put("payload", o.payloadBytes)
          .put("rate", o.rate).put("window", o.window).put("ack", o.ackSlowest ? "slowest" : "echo")
          .put("registered", o.registered).put("loops", o.eventLoops)
          .put("connectSec", Bench.round(connectSeconds, 2));
      if (start != null) {
        double s = measuredSeconds;
        j.put("durationSec", s)
            .put("publishedPerSec", Bench.round((end.published() - start.published()) / s, 0))
            .put("deliveriesPerSec", Bench.round((end.subscriberDeliveries() - start.subscriberDeliveries()) / s, 0))
            .put("publisherDeliveriesPerSec",
                Bench.round((end.publisherDeliveries() - start.publisherDeliveries()) / s, 0))
            .put("p50Ms", ms(latency.getValueAtPercentile(50))).put("p90Ms", ms(latency.getValueAtPercentile(90)))
            .put("p99Ms", ms(latency.getValueAtPercentile(99)))
            .put("p999Ms", ms(latency.getValueAtPercentile(99.9))).put("maxMs", ms(latency.getMaxValue()))
            .put("latencySamples", latency.getTotalCount())
            .put("redirectsMeasured", end.redirects() - start.redirects())
            .put("drainSec", Bench.round(drainSeconds, 2)).put("drainTimedOut", drainTimedOut);
        JsonArray samples = new JsonArray();
        for (double[] x : throughput) {
          samples.add(new JsonArray().add(Bench.round(x[0], 2)).add(Bench.round(x[1], 0)).add(Bench.round(x[2], 0))
              .add(Bench.round(x[3], 0)));
        }
        // [end of the second in s, published/s, deliveries/s to subscribers, to publishers]
        j.put("throughput", samples);
      }
      long expected = totals.published() * o.subscribers;
      long distinct = totals.subscriberDeliveries() - totals.subscriberDuplicates();
      j.put("published", totals.published()).put("expected", expected).put("received", distinct)
          .put("lost", Math.max(0, expected - distinct)).put("duplicates", totals.subscriberDuplicates())
          .put("outOfOrder", totals.subscriberLate())
          .put("publisherReceived", totals.publisherDeliveries())
          .put("behind", totals.behind()).put("redirects", totals.redirects())
          .put("disconnects", totals.disconnects()).put("connections", totals.loggedIn())
          .put("slowPathLines", totals.slowLines())
          .put("serverStats", new JsonArray(new ArrayList<>(servers)))
          .put("shortSubscriberCount", shortSubscribers.size())
          .put("shortSubscribers", new JsonArray(new ArrayList<>(shortSubscribers.subList(0,
              Math.min(5, shortSubscribers.size())))));
      if (generatorCpuPct >= 0) {
        j.put("generatorCpuPct", Bench.round(generatorCpuPct, 1));
      }
      double servers = 0;
      for (JsonObject sv : this.servers) {
        servers += Math.max(0, sv.getDouble("cpuPct", 0.0));
      }
      if (!this.servers.isEmpty()) {
        // all the --pids together (a mesh's cost is the sum of its processes)
        j.put("serversCpuPct", Bench.round(servers, 1));
      }
      if (machineCpuPct >= 0) {
        j.put("machineCpuPct", Bench.round(machineCpuPct, 1))
            .put("otherCpuPct", Bench.round(Math.max(0, machineCpuPct - servers - Math.max(0, generatorCpuPct)), 1))
            .put("loadAverage", loadAverage);
      }
      String error = totals.firstError();
      if (error == null && totals.disconnects() > 0) {
        error = totals.disconnects() + " connections closed by the server";
      }
      j.put("error", error);
      return new BenchResult(j, latency);
    }

    private static double ms(long nanos) {
      return Bench.round(nanos / 1e6, 3);
    }
  }
}
