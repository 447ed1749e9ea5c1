package io.activitystreamer.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * One run as a self-contained HTML page (inline SVG and CSS, no script, nothing fetched): the summary,
 * the latency percentile curve from HdrHistogram's percentile distribution (x: 1 / (1 - percentile) on a
 * log scale, as HdrHistogram plots it), the distribution itself as HdrHistogram prints it, the
 * throughput per second of the measured window, and the JSON line.
 */
final class BenchReport {
  private static final int W = 720;
  private static final int H = 300;
  private static final int L = 70;
  private static final int B = 40;
  private static final int R = 40;

  private BenchReport() {}

  static void write(Path file, BenchResult r) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, html(r));
  }

  static String html(BenchResult r) {
    JsonObject j = r.json();
    StringBuilder h = new StringBuilder(32_768);
    String title = "bench " + j.getString("label", "") + " (" + j.getString("target", "ours") + ")";
    h.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n")
        .append("<style>body{font:14px sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#eee}")
        .append("svg text{font:11px sans-serif}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>")
        .append("</head><body>\n<h1>").append(esc(title)).append("</h1>\n<p>")
        .append(esc(String.format(Locale.ROOT, "%d publishers -> %d subscribers on %d server(s), payload %d B, %s, "
            + "%s s measured", j.getInteger("pubs"), j.getInteger("subs"), j.getInteger("servers"),
            j.getInteger("payload"), j.getDouble("rate", 0.0) > 0 ? j.getDouble("rate") + " msg/s per publisher"
                : "max rate, window " + j.getInteger("window") + " acknowledged by " + j.getString("ack"),
            j.getValue("durationSec", "-")))).append("</p>\n");
    summary(h, j);
    Histogram lat = r.latency();
    if (lat != null && lat.getTotalCount() > 0) {
      h.append("<h2>Latency by percentile</h2>\n");
      percentileCurve(h, lat);
      h.append("<details><summary>Percentile distribution (HdrHistogram, ms)</summary><pre>")
          .append(esc(distribution(lat))).append("</pre></details>\n");
    }
    JsonArray tp = j.getJsonArray("throughput", new JsonArray());
    if (!tp.isEmpty()) {
      h.append("<h2>Throughput per second</h2>\n");
      throughputChart(h, tp);
      h.append("<table><tr><th>second ending at s</th><th>published/s</th><th>deliveries/s to subscribers</th>")
          .append("<th>to publishers/s</th></tr>\n");
      for (Object o : tp) {
        JsonArray x = (JsonArray) o;
        h.append(String.format(Locale.ROOT, "<tr><td>%.2f</td><td>%,.0f</td><td>%,.0f</td><td>%,.0f</td></tr>%n",
            x.getDouble(0), x.getDouble(1), x.getDouble(2), x.getDouble(3)));
      }
      h.append("</table>\n");
    }
    h.append("<h2>Result line</h2>\n<pre>").append(esc(j.encodePrettily())).append("</pre>\n</body></html>\n");
    return h.toString();
  }

  private static void summary(StringBuilder h, JsonObject j) {
    h.append("<table>\n");
    row(h, "published/s", num(j, "publishedPerSec", "%,.0f"));
    row(h, "deliveries/s to subscribers", num(j, "deliveriesPerSec", "%,.0f"));
    row(h, "deliveries/s to publishers", num(j, "publisherDeliveriesPerSec", "%,.0f"));
    for (String[] p : new String[][] {{"p50", "p50Ms"}, {"p90", "p90Ms"}, {"p99", "p99Ms"}, {"p99.9", "p999Ms"},
        {"max", "maxMs"}}) {
      row(h, p[0] + " ms", num(j, p[1], "%.3f"));
    }
    row(h, "latency samples", num(j, "latencySamples", "%,.0f"));
    row(h, "published / received / lost", j.getValue("published") + " / " + j.getValue("received") + " / "
        + j.getValue("lost"));
    row(h, "duplicates / out of order", j.getValue("duplicates") + " / " + j.getValue("outOfOrder"));
    StringBuilder cpu = new StringBuilder();
    for (Object s : j.getJsonArray("serverStats", new JsonArray())) {
      cpu.append(cpu.length() == 0 ? "" : ", ").append(((JsonObject) s).getValue("cpuPct"));
    }
    row(h, "server CPU %", cpu.toString());
    row(h, "generator CPU %", num(j, "generatorCpuPct", "%.1f"));
    row(h, "other processes CPU %", num(j, "otherCpuPct", "%.1f"));
    if (j.getString("error") != null) {
      row(h, "error", j.getString("error"));
    }
    h.append("</table>\n");
  }

  private static void row(StringBuilder h, String name, String value) {
    h.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
  }

  private static String num(JsonObject j, String key, String fmt) {
    Object v = j.getValue(key);
    return v instanceof Number n ? String.format(Locale.ROOT, fmt, n.doubleValue()) : "-";
  }

  /** HdrHistogram's own percentile distribution, in milliseconds, 5 steps per halving. */
  static String distribution(Histogram lat) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    lat.outputPercentileDistribution(ps, 5, 1e6);
    ps.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void percentileCurve(StringBuilder h, Histogram lat) {
    List<double[]> pts = new ArrayList<>();
    double maxX = 0;
    for (HistogramIterationValue v : lat.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo();
      if (p >= 100.0) {
        p = 100.0 * (1 - 1.0 / Math.max(2, lat.getTotalCount()));
      }
      double x = Math.log10(1 / (1 - p / 100));
      maxX = Math.max(maxX, x);
      pts.add(new double[] {x, lat.highestEquivalentValue(v.getValueIteratedTo()) / 1e6});
    }
    double decades = Math.max(2, Math.ceil(maxX));
    double maxY = niceCeil(lat.getMaxValue() / 1e6);
    svgStart(h, "latency in ms by percentile");
    for (int d = 0; d <= decades; d++) {
      double x = L + (W - L - R) * d / decades;
      String label = d == 0 ? "0%" : String.format(Locale.ROOT, "%s%%", 100 - 100 / Math.pow(10, d))
          .replaceAll("\\.0%$", "%");
      h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"20\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
          + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, x, H - B, x, H - B + 16, label));
    }
    yAxis(h, maxY, "%.3g ms");
    h.append("<polyline fill=\"none\" stroke=\"#c33\" stroke-width=\"2\" points=\"");
    for (double[] p : pts) {
      h.append(String.format(Locale.ROOT, "%.1f,%.1f ", L + (W - L - R) * p[0] / decades, y(p[1], maxY)));
    }
    h.append("\"/>\n</svg>\n");
  }

  private static void throughputChart(StringBuilder h, JsonArray tp) {
    double maxT = 0;
    double maxY = 0;
    for (Object o : tp) {
      JsonArray x = (JsonArray) o;
      maxT = Math.max(maxT, x.getDouble(0));
      maxY = Math.max(maxY, Math.max(x.getDouble(1), x.getDouble(2) + x.getDouble(3)));
    }
    maxY = niceCeil(maxY);
    svgStart(h, "per second: deliveries to subscribers (blue), to publishers (green), published (grey)");
    for (int s = 0; s <= Math.ceil(maxT); s++) {
      double x = L + (W - L - R) * s / Math.max(1, Math.ceil(maxT));
      h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d s</text>%n", x,
          H - B + 16, s));
    }
    yAxis(h, maxY, "%,.0f");
    String[] colours = {"#999", "#36c", "#3a3"};
    for (int k = 1; k <= 3; k++) {
      h.append("<polyline fill=\"none\" stroke=\"").append(colours[k - 1]).append("\" stroke-width=\"2\" points=\"");
      double x0 = L;
      for (Object o : tp) {
        JsonArray x = (JsonArray) o;
        double xs = L + (W - L - R) * x.getDouble(0) / Math.max(1, Math.ceil(maxT));
        double y = y(x.getDouble(k), maxY);
        h.append(String.format(Locale.ROOT, "%.1f,%.1f %.1f,%.1f ", x0, y, xs, y));
        x0 = xs;
      }
      h.append("\"/>\n");
    }
    h.append("</svg>\n");
  }

  private static void svgStart(StringBuilder h, String caption) {
    h.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
        + "<title>%s</title><rect x=\"%d\" y=\"20\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>"
        + "<text x=\"%d\" y=\"12\">%s</text>%n", W, H, W, H, esc(caption), L, W - L - R, H - B - 20, L,
        esc(caption)));
  }

  private static void yAxis(StringBuilder h, double maxY, String fmt) {
    for (int k = 0; k <= 4; k++) {
      double v = maxY * k / 4;
      double y = y(v, maxY);
      h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", L, y, W - R, y, L - 4, y + 4,
          String.format(Locale.ROOT, fmt, v)));
    }
  }

  private static double y(double v, double maxY) {
    return H - B - (H - B - 20) * Math.min(1, v / maxY);
  }

  /** 1, 2 or 5 times a power of ten, at least v (and above 0). */
  static double niceCeil(double v) {
    if (!(v > 0)) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
