package io.activitystreamer.bench;

import java.util.ArrayList;
import java.util.List;

/** The load generator's settings, parsed from {@code bench} arguments. Mutable only while parsing. */
public final class BenchOptions {

  /** One server to connect to. */
  public record Target(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  public final List<Target> servers = new ArrayList<>();
  /** The protocol spoken: our classic lines, Redis pub/sub or NATS. */
  public Codec.Kind target = Codec.Kind.OURS;
  /** Redis channel or NATS subject (--target redis|nats). */
  public String channel = "bench";
  /** Where to write the HTML report of the run, or null. */
  public String report;
  public int subscribers = 10;
  public int publishers = 1;
  public boolean registered;
  public int payloadBytes = 200;
  /** Messages per second per publisher; 0 = as fast as the in-flight window allows. */
  public double rate;
  /** Max-rate mode: messages a publisher may have sent and not yet received back. */
  public int window = 64;
  /**
   * Max-rate mode: what acknowledges a message. false: the publisher's own echo (the server accepted and
   * fanned it out; subscribers may lag without bound, until the server's slow-consumer policy cuts them).
   * true ({@code --ack slowest}): its arrival at the slowest subscriber, so the window bounds every queue.
   */
  public boolean ackSlowest;
  public double warmupSeconds = 2;
  public double durationSeconds = 10;
  public double drainSeconds = 10;
  public int eventLoops = 1;
  public int connectConcurrency = 200;
  /** Quiet time after the last login before publishing, so late REDIRECTs are followed first. */
  public long settleMillis = 300;
  public final List<Long> pids = new ArrayList<>();
  public String label = "";
  public boolean quiet;
  /** Connect over TLS, trusting the CA certificate(s) in this PEM file; null = plaintext. */
  public String tlsCa;

  static final String USAGE = String.join("\n",
      "usage: java -jar activitystreamer.jar bench [options]",
      "  --servers H:P[,H:P...]  servers; clients are spread over them round-robin (default localhost:3780)",
      "  --target ours|redis|nats  the protocol: our classic lines (default), Redis pub/sub (SUBSCRIBE,",
      "                          PUBLISH) or NATS (SUB, PUB); same activity, counting and latency",
      "  --channel NAME          Redis channel or NATS subject (default bench)",
      "  --subs N                subscribers (default 10)",
      "  --pubs M                publishers (default 1; 0 = idle connections only, held for the duration)",
      "  --registered            REGISTER and LOGIN named users (default: anonymous)",
      "  --payload BYTES         payload bytes per activity (default 200)",
      "  --rate R                messages/s per publisher (default 0 = max rate with an in-flight window)",
      "  --window W              max-rate mode: unacknowledged messages per publisher (default 64)",
      "  --ack echo|slowest      max-rate mode: a message is acknowledged by the publisher's own echo",
      "                          (default) or by its arrival at the slowest subscriber",
      "  --warmup S              warm-up seconds, not measured (default 2)",
      "  --duration S            measured seconds (default 10)",
      "  --drain S               seconds to wait for the last deliveries after publishing stops (default 10)",
      "  --loops L               generator event loops, 1 or 2 (default 1)",
      "  --pids P[,P...]         server process ids: report their CPU and RSS",
      "  --label NAME            name of the run, copied into the JSON line",
      "  --report FILE.html      also write an HTML report: latency percentiles and throughput per second",
      "  --tls CAFILE            connect with TLS (servers' tlsPort), trusting the CA in CAFILE (PEM)",
      "  --quiet                 only the JSON line on stdout",
      "output: a summary, then one line of JSON starting with {\"bench\":");

  /** Parses arguments; throws IllegalArgumentException with a message for the user. */
  public static BenchOptions parse(String[] argv) {
    BenchOptions o = new BenchOptions();
    for (int i = 0; i < argv.length; i++) {
      String f = argv[i];
      switch (f) {
        case "-h", "--help" -> throw new HelpRequested();
        case "--registered" -> o.registered = true;
        case "--quiet" -> o.quiet = true;
        default -> {
          if (i + 1 >= argv.length) {
            throw new IllegalArgumentException("option " + f + " needs a value");
          }
          o.set(f, argv[++i]);
        }
      }
    }
    if (o.servers.isEmpty()) {
      o.servers.add(new Target("localhost", 3780));
    }
    o.validate();
    return o;
  }

  private void set(String flag, String v) {
    try {
      switch (flag) {
        case "--servers" -> {
          for (String s : v.split(",")) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
              throw new IllegalArgumentException("--servers wants host:port, got '" + s + "'");
            }
            servers.add(new Target(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1))));
          }
        }
        case "--subs" -> subscribers = Integer.parseInt(v);
        case "--pubs" -> publishers = Integer.parseInt(v);
        case "--payload" -> payloadBytes = Integer.parseInt(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--window" -> window = Integer.parseInt(v);
        case "--ack" -> {
          if (!v.equals("echo") && !v.equals("slowest")) {
            throw new IllegalArgumentException("--ack wants echo or slowest, got '" + v + "'");
          }
          ackSlowest = v.equals("slowest");
        }
        case "--warmup" -> warmupSeconds = Double.parseDouble(v);
        case "--duration" -> durationSeconds = Double.parseDouble(v);
        case "--drain" -> drainSeconds = Double.parseDouble(v);
        case "--loops" -> eventLoops = Integer.parseInt(v);
        case "--settle" -> settleMillis = Long.parseLong(v);
        case "--connect-concurrency" -> connectConcurrency = Integer.parseInt(v);
        case "--label" -> label = v;
        case "--target" -> target = Codec.Kind.parse(v);
        case "--channel" -> channel = v;
        case "--report" -> report = v;
        case "--tls" -> tlsCa = v;
        case "--pids" -> {
          for (String p : v.split(",")) {
            if (!p.isBlank()) {
              pids.add(Long.parseLong(p.trim()));
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + flag + " (try bench -h)");
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " wants a number, got '" + v + "'");
    }
  }

  void validate() {
    List<String> problems = new ArrayList<>();
    if (subscribers < 0 || publishers < 0 || subscribers + publishers == 0) {
      problems.add("--subs and --pubs must be >= 0 and not both 0");
    }
    if (payloadBytes < 0) {
      problems.add("--payload must be >= 0");
    }
    if (rate < 0) {
      problems.add("--rate must be >= 0");
    }
    if (window < 1) {
      problems.add("--window must be >= 1");
    }
    if (eventLoops < 1 || eventLoops > 8) {
      problems.add("--loops must be 1..8");
    }
    if (durationSeconds <= 0 || warmupSeconds < 0 || drainSeconds < 0) {
      problems.add("--duration must be > 0, --warmup and --drain >= 0");
    }
    if (target != Codec.Kind.OURS && (registered || tlsCa != null)) {
      problems.add("--registered and --tls are for --target ours only");
    }
    if (target == Codec.Kind.NATS && maxRate() && !ackSlowest) {
      problems.add("NATS does not answer a publish: with --target nats use --ack slowest or --rate");
    }
    if (channel.isEmpty() || !channel.chars().allMatch(c -> c > ' ' && c < 127)) {
      problems.add("--channel must be printable ASCII without spaces");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  boolean maxRate() {
    return rate <= 0;
  }

  /** Thrown by {@link #parse} for -h. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super("help", null, false, false);
    }
  }
}
