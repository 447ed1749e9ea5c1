package io.activitystreamer.gateway;

import io.activitystreamer.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed LOGINs and REGISTERs per remote address and per username, for one server (all gateway
 * instances). The answer to a failure is delayed by {@link #BASE_MILLIS} doubled for each failure before
 * it (of the address or of the name, whichever has more), at most {@code failureDelayMaxMillis}: 100, 200,
 * 400 ms ... A successful LOGIN resets its name and its address; a key without a failure for
 * {@link #FORGET_MILLIS} is forgotten. Only failure answers wait, so nobody can slow down another
 * user's successful LOGIN. Loopback addresses are not counted unless {@code perIpLimitsOnLoopback}.
 * Thread-safe.
 */
final class FailureThrottle implements Shareable {
  static final long BASE_MILLIS = 100;
  static final long FORGET_MILLIS = 300_000;
  /** Beyond this many keys the stale ones are dropped at once (a flood of fresh names cannot grow it for good). */
  private static final int CLEAN_ABOVE = 100_000;
  private static final String MAP = "streamer.gateway";
  private static final String KEY = "failure-throttle";

  private final long maxMillis;
  private final boolean limitLoopback;
  private final ConcurrentHashMap<String, long[]> failures = new ConcurrentHashMap<>(); // {count, lastMillis}

  private FailureThrottle(ServerConfig config) {
    this.maxMillis = config.failureDelayMaxMillis();
    this.limitLoopback = config.perIpLimitsOnLoopback();
  }

  static FailureThrottle of(Vertx vertx, ServerConfig config) {
    return vertx.sharedData().<String, FailureThrottle>getLocalMap(MAP)
        .computeIfAbsent(KEY, k -> new FailureThrottle(config));
  }

  /** Counts a failure of {@code ip} and {@code username} (either may be null); returns the delay of its answer. */
  long failed(String ip, String username, long now) {
    if (maxMillis <= 0) {
      return 0;
    }
    if (failures.size() > CLEAN_ABOVE) {
      forgetStale(now);
    }
    long before = 0;
    for (String key : keys(ip, username)) {
      if (key != null) {
        long[] c = failures.compute(key, (k, v) -> {
          long[] n = v == null || now - v[1] > FORGET_MILLIS ? new long[2] : v;
          n[0]++;
          n[1] = now;
          return n;
        });
        before = Math.max(before, c[0] - 1);
      }
    }
    return delay(before, maxMillis);
  }

  /** The delay after {@code before} earlier failures: 100 ms doubled each time, at most {@code max}. */
  static long delay(long before, long max) {
    return before >= 20 ? max : Math.min(max, BASE_MILLIS << before);
  }

  void succeeded(String ip, String username) {
    for (String key : keys(ip, username)) {
      if (key != null) {
        failures.remove(key);
      }
    }
  }

  void forgetStale(long now) {
    failures.values().removeIf(v -> now - v[1] > FORGET_MILLIS);
  }

  private String[] keys(String ip, String username) {
    String ipKey = ip == null || (!limitLoopback && ConnectionLimits.isLoopback(ip)) ? null : "ip:" + ip;
    return new String[] {ipKey, username == null ? null : "user:" + username};
  }
}
