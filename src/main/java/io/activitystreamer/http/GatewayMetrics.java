package io.activitystreamer.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The product's meters of one server, in that server's Micrometer registry (the one its Vert.x
 * reports to, see {@link MeteredVertx}); shared by all its gateway instances (one object per Vert.x
 * instance, kept in its local shared data, so it also survives a rejoin as a new incarnation).
 * Counters only go up; rates are left to PromQL ({@code rate(streamer_activities_in_total[1m])}).
 *
 * <p>Gauges of the state (sessions, backlog, members, links) are read from the state's mesh-info reply,
 * which {@link OpsHandlers} asks for before each scrape and hands to {@link #stateView} ({@link StateMeters}).
 */
public final class GatewayMetrics implements Shareable {
  /** The transports a client can use. */
  public enum Transport { TCP, SOCKJS }

  /** Why a client's input was refused (label {@code kind} of streamer_protocol_errors_total). */
  public enum ProtocolErrorKind { INVALID_MESSAGE, AUTHENTICATION_FAIL, LINE_TOO_LONG }

  /** How a REGISTER or LOGIN ended: success, refused (REGISTER_FAILED / LOGIN_FAILED), error (state unavailable). */
  public enum Outcome { SUCCESS, REFUSED, ERROR }

  /**
   * The abuse limits (docs/configuration.md "Limits"), each counted when it refuses or delays something:
   * {@code streamer_limited_total{limit="max_connections"}} and so on.
   */
  public enum Limit {
    /** a connection refused: maxConnections open */
    MAX_CONNECTIONS,
    /** a connection refused: maxConnectionsPerIp open from its address */
    MAX_CONNECTIONS_PER_IP,
    /** a connection refused: more than maxConnectionRatePerIp new ones per second from its address */
    CONNECTION_RATE,
    /** a connection closed: no LOGIN within loginTimeoutMillis */
    LOGIN_TIMEOUT,
    /** a REGISTER or LOGIN answered "server busy": hashQueueMax hashes waiting */
    HASH_BUSY,
    /** a failed LOGIN or REGISTER answered late (failureDelayMaxMillis) */
    FAILURE_DELAYED,
    /** a REGISTER refused by the username policy */
    USERNAME_REFUSED,
    /** a connection closed: more than activityRateLimit activities per second */
    ACTIVITY_RATE,
    /** an ops endpoint request refused (not on opsBind, no opsToken) */
    OPS_REFUSED,
    /** a SockJS request refused for its Origin */
    ORIGIN_REFUSED;

    public String label() {
      return GatewayMetrics.label(this);
    }
  }

  private static final String MAP = "streamer.http";
  private static final String KEY = "gateway-metrics";

  private final PrometheusMeterRegistry registry;
  private final Map<Transport, AtomicLong> open = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> opened = new EnumMap<>(Transport.class);
  private final Map<ProtocolErrorKind, Counter> protocolErrors = new EnumMap<>(ProtocolErrorKind.class);
  private final Map<Outcome, Counter> registers = new EnumMap<>(Outcome.class);
  private final Map<Outcome, Counter> logins = new EnumMap<>(Outcome.class);
  private final Map<Limit, Counter> limited = new EnumMap<>(Limit.class);
  private final Counter activitiesIn;
  private final Counter activitiesOut;
  private final Counter deliveries;
  private final Counter deliveryBatches;
  private final Counter redirects;
  private final Timer deliveryLatency;
  private final StateMeters stateMeters;

  GatewayMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (Transport t : Transport.values()) {
      String label = label(t);
      AtomicLong n = new AtomicLong();
      open.put(t, n);
      Gauge.builder("streamer.connections.open", n, AtomicLong::get).tag("transport", label)
          .description("client connections open now, by transport").strongReference(true).register(registry);
      opened.put(t, Counter.builder("streamer.connections.opened").tag("transport", label)
          .description("client connections accepted, by transport").register(registry));
    }
    for (ProtocolErrorKind k : ProtocolErrorKind.values()) {
      protocolErrors.put(k, Counter.builder("streamer.protocol.errors").tag("kind", label(k))
          .description("client inputs refused (the connection is closed), by kind").register(registry));
    }
    for (Outcome o : Outcome.values()) {
      registers.put(o, Counter.builder("streamer.register.requests").tag("outcome", label(o))
          .description("REGISTER requests answered, by outcome").register(registry));
      logins.put(o, Counter.builder("streamer.login.requests").tag("outcome", label(o))
          .description("LOGIN requests answered, by outcome").register(registry));
    }
    for (Limit l : Limit.values()) {
      limited.put(l, Counter.builder("streamer.limited").tag("limit", l.label())
          .description("connections or requests refused or delayed by an abuse limit, by limit").register(registry));
    }
    activitiesIn = Counter.builder("streamer.activities.in")
        .description("activities accepted from clients of this server (counted when broadcast back)")
        .register(registry);
    activitiesOut = Counter.builder("streamer.activities.out")
        .description("ACTIVITY_BROADCAST lines written to clients of this server").register(registry);
    deliveries = Counter.builder("streamer.deliveries")
        .description("activities (from any member) handed to this server's clients").register(registry);
    deliveryBatches = Counter.builder("streamer.delivery.batches")
        .description("batches the deliveries went out in (one write per client per batch)").register(registry);
    redirects = Counter.builder("streamer.redirects").description("clients sent a REDIRECT by this server")
        .register(registry);
    deliveryLatency = Timer.builder("streamer.delivery.latency")
        .description("from an activity accepted from a client of this server to its broadcast written to the"
            + " sockets of the recipients on the sender's gateway instance")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    stateMeters = new StateMeters(registry);
  }

  /**
   * The metrics of the server running on {@code vertx}: the ones {@link MeteredVertx} installed, or (a
   * Vert.x made elsewhere) product meters in a registry of their own, without Vert.x's.
   */
  public static GatewayMetrics of(Vertx vertx) {
    return vertx.sharedData().<String, GatewayMetrics>getLocalMap(MAP)
        .computeIfAbsent(KEY, k -> new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
  }

  static void install(Vertx vertx, PrometheusMeterRegistry registry) {
    vertx.sharedData().<String, GatewayMetrics>getLocalMap(MAP).put(KEY, new GatewayMetrics(registry));
  }

  /** The registry /metrics scrapes; other parts of the server (store size, latencies) register their meters here. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void connectionOpened(Transport t) {
    opened.get(t).increment();
    open.get(t).incrementAndGet();
  }

  public void connectionClosed(Transport t) {
    open.get(t).decrementAndGet();
  }

  /** {@code n} activities accepted from clients of this server (counted when broadcast back). */
  public void activitiesIn(long n) {
    activitiesIn.increment(n);
  }

  /** {@code n} ACTIVITY_BROADCAST lines written to clients of this server. */
  public void activitiesOut(long n) {
    activitiesOut.increment(n);
  }

  /** A batch of {@code count} activities was handed to this server's gateway instances. */
  public void delivered(int count) {
    deliveries.increment(count);
    deliveryBatches.increment();
  }

  /** One activity accepted at {@code acceptedNanos} ({@link System#nanoTime}) was written at {@code writtenNanos}. */
  public void deliveryLatency(long acceptedNanos, long writtenNanos) {
    deliveryLatency.record(Math.max(0, writtenNanos - acceptedNanos), TimeUnit.NANOSECONDS);
  }

  public void redirected() {
    redirects.increment();
  }

  public void protocolError(ProtocolErrorKind kind) {
    protocolErrors.get(kind).increment();
  }

  public void register(Outcome o) {
    registers.get(o).increment();
  }

  public void login(Outcome o) {
    logins.get(o).increment();
  }

  /** {@code limit} refused or delayed something once. */
  public void limited(Limit limit) {
    limited.get(limit).increment();
  }

  public long limitedCount(Limit limit) {
    return (long) limited.get(limit).count();
  }

  /** The state's mesh-info reply ({@code answered} false: it did not answer), read by the state gauges. */
  void stateView(JsonObject info, boolean answered) {
    stateMeters.update(info, answered);
  }

  public long open(Transport t) { return open.get(t).get(); }
  public long opened(Transport t) { return (long) opened.get(t).count(); }
  public long activitiesIn() { return (long) activitiesIn.count(); }
  public long activitiesOut() { return (long) activitiesOut.count(); }
  public long redirects() { return (long) redirects.count(); }

  public long protocolErrors() {
    return (long) protocolErrors.values().stream().mapToDouble(Counter::count).sum();
  }

  private static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
