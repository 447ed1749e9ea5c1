package io.activitystreamer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTML report shows a run's percentiles and per-second samples, and fetches nothing. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BenchReportTest {

  /** Checks a report against the result it was made from; used by BenchTest on a real run too. */
  static void assertReportOf(BenchResult r, String html) {
    JsonObject j = r.toJson();
    assertTrue(html.startsWith("<!doctype html>"), html);
    assertFalse(html.contains("<script"), "no script");
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src="), "nothing fetched");
    assertEquals(2, count(html, "<svg"), "the percentile curve and the throughput chart");
    for (String[] p : new String[][] {{"p50", "p50Ms"}, {"p90", "p90Ms"}, {"p99", "p99Ms"}, {"p99.9", "p999Ms"},
        {"max", "maxMs"}}) {
      String cell = "<tr><th>" + p[0] + " ms</th><td>" + String.format(Locale.ROOT, "%.3f", j.getDouble(p[1]))
          + "</td></tr>";
      assertTrue(html.contains(cell), "summary row " + cell);
    }
    // HdrHistogram's percentile distribution, every line of it
    String dist = BenchReport.distribution(r.latency());
    assertTrue(dist.contains("Percentile") && dist.contains("#[Mean"), dist);
    assertTrue(html.contains(BenchReport.esc(dist)), "the distribution as HdrHistogram prints it");
    // the curve: one point per percentile step
    int steps = 0;
    for (HistogramIterationValue ignored : r.latency().percentiles(5)) {
      steps++;
    }
    Matcher curve = Pattern.compile("<polyline fill=\"none\" stroke=\"#c33\" stroke-width=\"2\" points=\"([^\"]*)\"")
        .matcher(html);
    assertTrue(curve.find(), "the percentile curve");
    assertEquals(steps, curve.group(1).trim().split(" ").length);
    // every per-second sample as a table row
    JsonArray tp = j.getJsonArray("throughput");
    assertFalse(tp.isEmpty());
    for (Object o : tp) {
      JsonArray x = (JsonArray) o;
      String row = String.format(Locale.ROOT, "<tr><td>%.2f</td><td>%,.0f</td><td>%,.0f</td><td>%,.0f</td></tr>",
          x.getDouble(0), x.getDouble(1), x.getDouble(2), x.getDouble(3));
      assertTrue(html.contains(row), "sample row " + row);
    }
    assertEquals(tp.size(), count(html, "<tr><td>"), "one row per sample");
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void reportOfAKnownHistogramAndSamples() {
    Histogram h = new Histogram(60_000_000_000L, 3);
    for (int us = 1; us <= 10_000; us++) {
      h.recordValue(us * 1000L);
    }
    JsonObject j = new JsonObject().put("bench", 1).put("label", "A <x>").put("target", "redis").put("pubs", 1)
        .put("subs", 50).put("servers", 1).put("payload", 200).put("rate", 0.0).put("window", 256)
        .put("ack", "slowest").put("durationSec", 3.0).put("publishedPerSec", 1000.0)
        .put("deliveriesPerSec", 50_000.0).put("publisherDeliveriesPerSec", 0.0)
        .put("p50Ms", h.getValueAtPercentile(50) / 1e6).put("p90Ms", h.getValueAtPercentile(90) / 1e6)
        .put("p99Ms", h.getValueAtPercentile(99) / 1e6).put("p999Ms", h.getValueAtPercentile(99.9) / 1e6)
        .put("maxMs", h.getMaxValue() / 1e6).put("latencySamples", h.getTotalCount())
        .put("throughput", new JsonArray().add(new JsonArray().add(1.0).add(990.0).add(49_500.0).add(0.0))
            .add(new JsonArray().add(2.0).add(1010.0).add(50_500.0).add(0.0))
            .add(new JsonArray().add(3.0).add(1000.0).add(50_000.0).add(0.0)))
        .put("published", 3000).put("received", 150_000).put("lost", 0).put("duplicates", 0).put("outOfOrder", 0)
        .put("serverStats", new JsonArray()).put("error", null);
    String html = BenchReport.html(new BenchResult(j, h));
    assertReportOf(new BenchResult(j, h), html);
    assertTrue(html.contains("<tr><th>p50 ms</th><td>5.001</td></tr>"), "p50 of 1..10000 us");
    assertTrue(html.contains("<tr><td>2.00</td><td>1,010</td><td>50,500</td><td>0</td></tr>"));
    assertTrue(html.contains("bench A &lt;x&gt; (redis)"), "the label is escaped");
  }
}
