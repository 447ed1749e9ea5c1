package io.activitystreamer.bench;

import io.activitystreamer.util.Cli;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * The load generator's settings: the options of {@code bench} (picocli fills the fields, {@link #check} adds
 * the defaults that depend on others and the checks across options). Mutable only while parsing.
 */
public final class BenchOptions {

  /** One server to connect to. */
  public record Target(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** What acknowledges a message in max-rate mode. */
  enum Ack { ECHO, SLOWEST }

  @Option(names = "--servers", paramLabel = "H:P", split = ",", converter = TargetConverter.class, order = 1,
      description = "servers; clients are spread over them round-robin (default localhost:3780)")
  public List<Target> servers = new ArrayList<>();
  /** The protocol spoken: our classic lines, Redis pub/sub or NATS. */
  @Option(names = "--target", paramLabel = "ours|redis|nats", converter = KindConverter.class, order = 2,
      description = "the protocol: our classic"
      + " lines (default), Redis pub/sub (SUBSCRIBE, PUBLISH) or NATS (SUB, PUB); same activity, counting and latency")
  public Codec.Kind target = Codec.Kind.OURS;
  /** Redis channel or NATS subject (--target redis|nats). */
  @Option(names = "--channel", paramLabel = "NAME", order = 3,
      description = "Redis channel or NATS subject (default ${DEFAULT-VALUE})")
  public String channel = "bench";
  @Option(names = "--subs", paramLabel = "N", order = 4, description = "subscribers (default ${DEFAULT-VALUE})")
  public int subscribers = 10;
  @Option(names = "--pubs", paramLabel = "M", order = 5,
      description = "publishers (default ${DEFAULT-VALUE}; 0 = idle connections only, held for the duration)")
  public int publishers = 1;
  @Option(names = "--registered", order = 6, description = "REGISTER and LOGIN named users (default: anonymous)")
  public boolean registered;
  @Option(names = "--payload", paramLabel = "BYTES", order = 7,
      description = "payload bytes per activity (default ${DEFAULT-VALUE})")
  public int payloadBytes = 200;
  /** Messages per second per publisher; 0 = as fast as the in-flight window allows. */
  @Option(names = "--rate", paramLabel = "R", order = 8,
      description = "messages/s per publisher (default 0 = max rate with an in-flight window)")
  public double rate;
  /** Max-rate mode: messages a publisher may have sent and not yet received back. */
  @Option(names = "--window", paramLabel = "W", order = 9,
      description = "max-rate mode: unacknowledged messages per publisher (default ${DEFAULT-VALUE})")
  public int window = 64;
  @Option(names = "--ack", paramLabel = "echo|slowest", converter = AckConverter.class, order = 10,
      description = "max-rate mode: a message is"
      + " acknowledged by the publisher's own echo (default) or by its arrival at the slowest subscriber")
  Ack ack = Ack.ECHO;
  /**
   * Max-rate mode: what acknowledges a message. false: the publisher's own echo (the server accepted and
   * fanned it out; subscribers may lag without bound, until the server's slow-consumer policy cuts them).
   * true ({@code --ack slowest}): its arrival at the slowest subscriber, so the window bounds every queue.
   */
  public boolean ackSlowest;
  @Option(names = "--warmup", paramLabel = "S", order = 11,
      description = "warm-up seconds, not measured (default ${DEFAULT-VALUE})")
  public double warmupSeconds = 2;
  @Option(names = "--duration", paramLabel = "S", order = 12,
      description = "measured seconds (default ${DEFAULT-VALUE})")
  public double durationSeconds = 10;
  @Option(names = "--drain", paramLabel = "S", order = 13,
      description = "seconds to wait for the last deliveries after publishing stops (default ${DEFAULT-VALUE})")
  public double drainSeconds = 10;
  @Option(names = "--loops", paramLabel = "L", order = 14,
      description = "generator event loops, 1..8 (default ${DEFAULT-VALUE})")
  public int eventLoops = 1;
  @Option(names = "--connect-concurrency", paramLabel = "N", order = 15,
      description = "logins in progress at once (default ${DEFAULT-VALUE})")
  public int connectConcurrency = 200;
  /** Quiet time after the last login before publishing, so late REDIRECTs are followed first. */
  @Option(names = "--settle", paramLabel = "MILLIS", order = 16,
      description = "quiet time after the last login before publishing (default ${DEFAULT-VALUE})")
  public long settleMillis = 300;
  @Option(names = "--pids", paramLabel = "P", split = ",", converter = PidConverter.class, order = 17,
      description = "server process ids: report their CPU and RSS")
  public List<Long> pids = new ArrayList<>();
  @Option(names = "--label", paramLabel = "NAME", order = 18,
      description = "name of the run, copied into the JSON line")
  public String label = "";
  /** Where to write the HTML report of the run, or null. */
  @Option(names = "--report", paramLabel = "FILE.html", order = 19,
      description = "also write an HTML report: latency percentiles and throughput per second")
  public String report;
  /** Connect over TLS, trusting the CA certificate(s) in this PEM file; null = plaintext. */
  @Option(names = "--tls", paramLabel = "CAFILE", order = 20,
      description = "connect with TLS (servers' tlsPort), trusting the CA in CAFILE (PEM)")
  public String tlsCa;
  @Option(names = "--quiet", order = 21, description = "only the JSON line on stdout")
  public boolean quiet;

  /** Parses {@code bench} arguments (no -h); throws IllegalArgumentException with a message for the user. */
  public static BenchOptions parse(String[] argv) {
    BenchOptions o = new BenchOptions();
    try {
      Cli.commandLine(o).parseArgs(argv);
    } catch (ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    o.check();
    return o;
  }

  /** After parsing: the default server, then the checks across options (IllegalArgumentException). */
  BenchOptions check() {
    if (servers.isEmpty()) {
      servers.add(new Target("localhost", 3780));
    }
    ackSlowest = ack == Ack.SLOWEST;
    pids.removeIf(Objects::isNull);
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
    return this;
  }

  boolean maxRate() {
    return rate <= 0;
  }

  /** {@code host:port}. */
  static final class TargetConverter implements ITypeConverter<Target> {
    @Override
    public Target convert(String s) {
      int colon = s.lastIndexOf(':');
      try {
        int port = Integer.parseInt(s.substring(colon + 1));
        if (colon > 0 && port > 0 && port < 65536) {
          return new Target(s.substring(0, colon), port);
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new TypeConversionException("expected host:port, got '" + s + "'");
    }
  }

  static final class KindConverter extends Cli.LowerCaseEnum<Codec.Kind> {
    KindConverter() {
      super(Codec.Kind.class);
    }
  }

  static final class AckConverter extends Cli.LowerCaseEnum<Ack> {
    AckConverter() {
      super(Ack.class);
    }
  }

  /** A process id; null for an empty one ({@code --pids ""}, "1,,2"), dropped by {@link #check}. */
  static final class PidConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String s) {
      if (s.isBlank()) {
        return null;
      }
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new TypeConversionException("expected process ids, got '" + s + "'");
      }
    }
  }
}
