package io.activitystreamer.bench;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers' processes ({@code --pids}) read from /proc at the points of a run, and what the result's
 * {@code serverStats} says of each: CPU and memory over the measured window, or (no publishers) the memory
 * each connection costs. Its JSON names are here.
 */
final class ServerSamples {
  private static final String PID = "pid";
  private static final String CPU_PCT = "cpuPct";
  private static final String RSS_MIB = "rssMiB";
  private static final String PEAK_RSS_MIB = "peakRssMiB";
  private static final String RSS_KIB_PER_CONNECTION = "rssKiBPerConnection";

  private ServerSamples() {}

  /** One sample of every --pids process (null for one that is gone). */
  static List<ProcStats> read(BenchOptions o) {
    List<ProcStats> out = new ArrayList<>();
    for (long pid : o.pids) {
      out.add(ProcStats.read(pid));
    }
    return out;
  }

  /** Per server: CPU between {@code p0} and {@code p1}, memory at {@code p1} (-1 when gone). */
  static void window(BenchOptions o, List<ProcStats> p0, List<ProcStats> p1, List<JsonObject> out) {
    for (int i = 0; i < p0.size(); i++) {
      out.add(new JsonObject().put(PID, o.pids.get(i))
          .put(CPU_PCT, Bench.round(ProcStats.cpuPercent(p0.get(i), p1.get(i)), 1))
          .put(RSS_MIB, p1.get(i) == null ? -1 : Bench.round(p1.get(i).rssKiB() / 1024.0, 1))
          .put(PEAK_RSS_MIB, p1.get(i) == null ? -1 : Bench.round(p1.get(i).peakRssKiB() / 1024.0, 1)));
    }
  }

  /** Per server: memory once {@code connections} are in, and what each added since {@code before}. */
  static void idle(BenchOptions o, List<ProcStats> before, List<ProcStats> after, int connections,
                   List<JsonObject> out) {
    for (int i = 0; i < before.size(); i++) {
      ProcStats a = before.get(i);
      ProcStats b = after.get(i);
      JsonObject js = new JsonObject().put(PID, o.pids.get(i));
      if (a != null && b != null) {
        js.put(RSS_MIB, Bench.round(b.rssKiB() / 1024.0, 1))
            .put(RSS_KIB_PER_CONNECTION, Bench.round((b.rssKiB() - a.rssKiB()) / (double) connections, 2));
      }
      out.add(js);
    }
  }
}
