package io.activitystreamer.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of {@link ServerConfig}: the type of each value against its default's (numbers and booleans
 * may come as strings, from environment variables), then the ranges and the combinations that must hold.
 * Every message names the key.
 */
final class ConfigChecks {
  private ConfigChecks() {}

  /**
   * {@code defaults} overlaid with {@code overrides}, each value converted to its default's type; an
   * unknown key or a value of the wrong type is added to {@code problems} (never a silent default).
   */
  static JsonObject typed(Map<String, Object> defaults, JsonObject overrides, List<String> problems) {
    JsonObject merged = new JsonObject(new LinkedHashMap<>(defaults));
    for (String key : overrides.fieldNames()) {
      Object def = defaults.get(key);
      Object value = overrides.getValue(key);
      if (def == null) {
        problems.add("unknown config key '" + key + "'");
      } else if (value == null) {
        continue;
      } else if (def instanceof Integer) {
        Integer n = asInt(value);
        if (n == null) {
          problems.add(key + " must be an integer, was " + show(value));
        } else {
          merged.put(key, n);
        }
      } else if (def instanceof Boolean) {
        Boolean b = asBoolean(value);
        if (b == null) {
          problems.add(key + " must be true or false, was " + show(value));
        } else {
          merged.put(key, b);
        }
      } else if (value instanceof String) {
        merged.put(key, value);
      } else {
        problems.add(key + " must be a string, was " + show(value));
      }
    }
    return merged;
  }

  /** A boolean, or "true"/"false" (environment variables are strings); else null. */
  private static Boolean asBoolean(Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s.trim());
    }
    return null;
  }

  private static Integer asInt(Object value) {
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    if (value instanceof String s) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static String show(Object value) {
    return value instanceof String ? "'" + value + "'" : String.valueOf(value);
  }

  /** What is out of range or missing in {@code c} (whose values have their types). */
  static List<String> rangeProblems(ServerConfig c) {
    List<String> p = new ArrayList<>();
    range(c, p, "localPort", 0, 65535);
    range(c, p, "remotePort", 1, 65535);
    range(c, p, "httpPort", 0, 65535);
    range(c, p, "announceIntervalMillis", 10, 3_600_000);
    range(c, p, "suspicionMillis", 0, 3_600_000);
    range(c, p, "maxMessageBytes", 256, 64 * 1024 * 1024);
    range(c, p, "clientWriteQueueMaxBytes", 1024, Integer.MAX_VALUE);
    range(c, p, "maxInFlightPerClient", 1, 1_000_000);
    range(c, p, "gatewayInstances", 0, 64);
    range(c, p, "secretHashIterations", 1, 10_000_000);
    range(c, p, "backlogMaxCount", 1, Integer.MAX_VALUE);
    range(c, p, "backlogMaxAgeMillis", 1, Integer.MAX_VALUE);
    range(c, p, "redeliverWindowMillis", 0, 3_600_000);
    range(c, p, "redirectTokenMillis", 100, 3_600_000);
    range(c, p, "checkpointIntervalMillis", 10, 3_600_000);
    range(c, p, "maxHttpBodyBytes", 1024, 64 * 1024 * 1024);
    range(c, p, "maxConnections", 1, 10_000_000);
    range(c, p, "maxConnectionsPerIp", 0, 10_000_000);
    range(c, p, "maxConnectionRatePerIp", 0, 1_000_000_000);
    range(c, p, "loginTimeoutMillis", 0, 3_600_000);
    range(c, p, "hashThreads", 0, 256);
    range(c, p, "hashQueueMax", 1, 1_000_000);
    range(c, p, "failureDelayMaxMillis", 0, 60_000);
    range(c, p, "activityRateLimit", 0, 10_000_000);
    range(c, p, "maxBacklogBytes", 1024, Integer.MAX_VALUE);
    range(c, p, "maxRetainedBytes", 1024 * 1024, Integer.MAX_VALUE);
    if (!List.of("off", "batch", "always").contains(c.durability())) {
      p.add("durability must be off, batch or always, was '" + c.durability() + "'");
    }
    if (c.localHostname().isBlank()) {
      p.add("localHostname must not be empty");
    }
    tlsProblems(c, p);
    return p;
  }

  /** TLS needs a certificate and its key; mesh TLS also a CA to verify peers by and a TLS port to be dialled on. */
  private static void tlsProblems(ServerConfig c, List<String> p) {
    range(c, p, "tlsPort", 0, 65535);
    boolean anyTls = c.tlsPort() > 0 || c.httpTls() || c.meshTls();
    if (anyTls && (c.tlsCertFile().isBlank() || c.tlsKeyFile().isBlank())) {
      p.add("tlsPort, httpTls and meshTls need tlsCertFile and tlsKeyFile (PEM files)");
    }
    if (c.meshTls() && c.tlsCaFile().isBlank()) {
      p.add("meshTls needs tlsCaFile (the CA that signs every member's certificate)");
    }
    if (c.meshTls() && c.tlsPort() == 0) {
      p.add("meshTls needs tlsPort (members dial each other there)");
    }
    if (c.tlsPort() > 0 && c.tlsPort() == c.localPort()) {
      p.add("tlsPort must differ from localPort, was " + c.tlsPort());
    }
  }

  private static void range(ServerConfig c, List<String> problems, String key, int min, int max) {
    int v = c.integer(key);
    if (v < min || v > max) {
      problems.add(key + " must be " + min + ".." + max + ", was " + v);
    }
  }
}
