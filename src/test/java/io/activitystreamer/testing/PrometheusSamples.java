package io.activitystreamer.testing;

import java.util.HashMap;
import java.util.Map;

/** Reads Prometheus text (0.0.4) as tests need it: samples by their name with labels, and TYPE by family. */
public final class PrometheusSamples {
  private PrometheusSamples() {}

  /** {@code name{labels}} (as written) to value. */
  public static Map<String, Double> parse(String text) {
    Map<String, Double> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }

  /** Family name to its TYPE (counter, gauge, histogram ...). */
  public static Map<String, String> types(String text) {
    Map<String, String> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        out.put(parts[2], parts[3]);
      }
    }
    return out;
  }

  /** The histogram's cumulative buckets: upper bound {@code le} (without +Inf) to count. */
  public static Map<Double, Double> buckets(Map<String, Double> samples, String histogram) {
    Map<Double, Double> out = new java.util.TreeMap<>();
    for (var e : samples.entrySet()) {
      String k = e.getKey();
      int at = k.indexOf("le=\"");
      if (k.startsWith(histogram + "_bucket{") && at > 0) {
        String v = k.substring(at + 4, k.indexOf('"', at + 4));
        if (!v.equals("+Inf")) {
          out.put(Double.parseDouble(v), e.getValue());
        }
      }
    }
    return out;
  }
}
