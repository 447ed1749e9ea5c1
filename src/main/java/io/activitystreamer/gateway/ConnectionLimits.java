package io.activitystreamer.gateway;

import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics.Limit;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open connections of one server (every gateway instance: kept in its Vert.x local shared data), in total
 * and per remote address, against {@code maxConnections} and {@code maxConnectionsPerIp}. Loopback
 * addresses have no per-address limit unless {@code perIpLimitsOnLoopback} (this host is trusted, and
 * behind a local proxy every client has its address). Thread-safe.
 */
final class ConnectionLimits implements Shareable {
  private static final String MAP = "streamer.gateway";
  private static final String KEY = "connection-limits";

  private final int max;
  private final int maxPerIp;
  private final boolean limitLoopback;
  private final int ratePerIp;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> perIp = new ConcurrentHashMap<>();
  /** Per address: a token bucket of new connections ({tokens, nanoTime of the last refill}). */
  private final ConcurrentHashMap<String, long[]> rate = new ConcurrentHashMap<>();
  private final AtomicInteger admitsSinceSweep = new AtomicInteger();

  private ConnectionLimits(ServerConfig config) {
    this.max = config.maxConnections();
    this.maxPerIp = config.maxConnectionsPerIp();
    this.limitLoopback = config.perIpLimitsOnLoopback();
    this.ratePerIp = config.maxConnectionRatePerIp();
  }

  static ConnectionLimits of(Vertx vertx, ServerConfig config) {
    return vertx.sharedData().<String, ConnectionLimits>getLocalMap(MAP)
        .computeIfAbsent(KEY, k -> new ConnectionLimits(config));
  }

  /** Null when admitted (then {@link #release} it once closed), else the limit that refuses it. */
  Limit admit(String ip) {
    if (!rateAllows(ip, System.nanoTime())) {
      return Limit.CONNECTION_RATE;
    }
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return Limit.MAX_CONNECTIONS;
    }
    if (!perIpLimited(ip)) {
      return null;
    }
    boolean[] refused = {false};
    perIp.compute(ip, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= maxPerIp) {
        refused[0] = true;
        return now;
      }
      return now + 1;
    });
    if (refused[0]) {
      open.decrementAndGet();
      return Limit.MAX_CONNECTIONS_PER_IP;
    }
    return null;
  }

  void release(String ip) {
    open.decrementAndGet();
    if (perIpLimited(ip)) {
      perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** The answer a refused connection gets (INVALID_MESSAGE), naming the limit. */
  String refusal(Limit limit) {
    return switch (limit) {
      case MAX_CONNECTIONS -> "too many connections: this server has its maximum of " + max
          + " open (maxConnections), try again later";
      case CONNECTION_RATE -> "too many new connections from your address: at most " + ratePerIp
          + " per second (maxConnectionRatePerIp), try again in a second";
      default -> "too many connections from your address: at most " + maxPerIp + " (maxConnectionsPerIp)";
    };
  }

  private boolean perIpLimited(String ip) {
    return maxPerIp > 0 && (limitLoopback || !isLoopback(ip));
  }

  /**
   * One new connection from {@code ip} against its bucket of {@code maxConnectionRatePerIp} per second
   * (a burst of as many); loopback exempt unless perIpLimitsOnLoopback. Buckets idle for 10 s are
   * swept now and then, so the map holds the addresses of the last seconds only.
   */
  private boolean rateAllows(String ip, long now) {
    if (ratePerIp <= 0 || ip == null || !limitLoopback && isLoopback(ip)) {
      return true;
    }
    long perToken = 1_000_000_000L / ratePerIp;
    boolean[] allowed = {false};
    rate.compute(ip, (k, b) -> {
      if (b == null) {
        b = new long[] {ratePerIp, now};
      }
      long refill = (now - b[1]) / perToken;
      if (refill > 0) {
        b[0] = Math.min(ratePerIp, b[0] + refill);
        b[1] += refill * perToken;
      }
      if (b[0] > 0) {
        b[0]--;
        allowed[0] = true;
      }
      return b;
    });
    if (admitsSinceSweep.incrementAndGet() >= 10_000) {
      admitsSinceSweep.set(0);
      rate.values().removeIf(b -> now - b[1] > 10_000_000_000L);
    }
    return allowed[0];
  }

  /** True for an IPv4 or IPv6 loopback literal (no name lookup: only literals are looked at). */
  static boolean isLoopback(String ip) {
    if (ip == null || ip.isEmpty() || !(ip.indexOf(':') >= 0 || Character.isDigit(ip.charAt(0)))) {
      return false;
    }
    try {
      return InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
