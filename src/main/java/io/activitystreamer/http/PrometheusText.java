package io.activitystreamer.http;

/** Writes metrics in the Prometheus text exposition format (0.0.4): HELP and TYPE lines, then samples. */
final class PrometheusText {
  private final StringBuilder out = new StringBuilder(4096);

  void help(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  void sample(String name, String labels, double value) {
    out.append(name);
    if (labels != null && !labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(format(value)).append('\n');
  }

  void gauge(String name, String help, double value) {
    help(name, "gauge", help);
    sample(name, null, value);
  }

  void counter(String name, String help, double value) {
    help(name, "counter", help);
    sample(name, null, value);
  }

  private static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
