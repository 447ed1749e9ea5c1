package io.activitystreamer.http;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one server's gateway, shared by all its gateway instances (one object per Vert.x
 * instance, kept in its local shared data, so it also survives a rejoin as a new incarnation).
 * Counters only go up (Prometheus counters); the per-second rates are sampled by {@link #sample}.
 */
public final class GatewayMetrics implements Shareable {
  /** The transports a client can use. */
  public enum Transport { TCP, SOCKJS }

  /**
   * The abuse limits, each counted when it refuses or delays something (streamer_limited_total{limit=...}).
   * Every limit of docs/configuration.md "Limits" has its counter here.
   */
  public enum Limit {
    /** a connection refused: maxConnections open */
    MAX_CONNECTIONS,
    /** a connection refused: maxConnectionsPerIp open from its address */
    MAX_CONNECTIONS_PER_IP,
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
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final String MAP = "streamer.http";
  private static final String KEY = "gateway-metrics";

  private final AtomicLong[] opened = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong[] open = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong activitiesIn = new AtomicLong();
  private final AtomicLong activitiesOut = new AtomicLong();
  private final AtomicLong redirects = new AtomicLong();
  private final AtomicLong protocolErrors = new AtomicLong();
  private final AtomicLong[] limited = new AtomicLong[Limit.values().length];

  {
    for (int i = 0; i < limited.length; i++) {
      limited[i] = new AtomicLong();
    }
  }
  private long lastSampleMillis;
  private long lastIn;
  private long lastOut;
  private volatile double inPerSecond;
  private volatile double outPerSecond;

  /** The metrics of the server running on {@code vertx}. */
  public static GatewayMetrics of(Vertx vertx) {
    return vertx.sharedData().<String, GatewayMetrics>getLocalMap(MAP).computeIfAbsent(KEY, k -> new GatewayMetrics());
  }

  public void connectionOpened(Transport t) {
    opened[t.ordinal()].incrementAndGet();
    open[t.ordinal()].incrementAndGet();
  }

  public void connectionClosed(Transport t) {
    open[t.ordinal()].decrementAndGet();
  }

  /** {@code n} activities accepted from clients of this server (counted when broadcast back). */
  public void activitiesIn(long n) {
    activitiesIn.addAndGet(n);
  }

  /** {@code n} ACTIVITY_BROADCAST lines written to clients of this server. */
  public void activitiesOut(long n) {
    activitiesOut.addAndGet(n);
  }

  public void redirected() {
    redirects.incrementAndGet();
  }

  public void protocolError() {
    protocolErrors.incrementAndGet();
  }

  /** {@code limit} refused or delayed something once. */
  public void limited(Limit limit) {
    limited[limit.ordinal()].incrementAndGet();
  }

  public long limitedCount(Limit limit) {
    return limited[limit.ordinal()].get();
  }

  /** Updates the per-second rates; called about once a second by every gateway instance. */
  public synchronized void sample(long nowMillis) {
    long dt = nowMillis - lastSampleMillis;
    if (dt < 900) {
      return;
    }
    long in = activitiesIn.get();
    long out = activitiesOut.get();
    if (lastSampleMillis > 0) {
      inPerSecond = (in - lastIn) * 1000.0 / dt;
      outPerSecond = (out - lastOut) * 1000.0 / dt;
    }
    lastSampleMillis = nowMillis;
    lastIn = in;
    lastOut = out;
  }

  public long opened(Transport t) { return opened[t.ordinal()].get(); }
  public long open(Transport t) { return open[t.ordinal()].get(); }
  public long activitiesIn() { return activitiesIn.get(); }
  public long activitiesOut() { return activitiesOut.get(); }
  public long redirects() { return redirects.get(); }
  public long protocolErrors() { return protocolErrors.get(); }
  public double activitiesInPerSecond() { return inPerSecond; }
  public double activitiesOutPerSecond() { return outPerSecond; }
}
