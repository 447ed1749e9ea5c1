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

  private static final String MAP = "streamer.http";
  private static final String KEY = "gateway-metrics";

  private final AtomicLong[] opened = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong[] open = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong activitiesIn = new AtomicLong();
  private final AtomicLong activitiesOut = new AtomicLong();
  private final AtomicLong redirects = new AtomicLong();
  private final AtomicLong protocolErrors = new AtomicLong();
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
