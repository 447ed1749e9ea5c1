package io.activitystreamer.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server's whole configuration. Keys are flat JSON names ({@code localPort}, {@code maxMessageBytes});
 * each key is overridable by the environment variable {@code STREAMER_} + its name in upper snake case
 * ({@code STREAMER_LOCAL_PORT}). {@link #fromJson} checks types, then ranges; both name
 * the key in their messages ({@link ConfigChecks}). Immutable once built.
 */
public final class ServerConfig {

  /** Every key with its default; the order is the order of docs and conf/server.json. */
  public static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("serverId", "");
    DEFAULTS.put("localHostname", "localhost");
    DEFAULTS.put("bindHost", "0.0.0.0");
    DEFAULTS.put("localPort", 3780);
    DEFAULTS.put("remoteHostname", "");
    DEFAULTS.put("remotePort", 3780);
    DEFAULTS.put("secret", "");
    DEFAULTS.put("meshClassicAuth", false);
    DEFAULTS.put("announceIntervalMillis", 5000);
    DEFAULTS.put("suspicionMillis", 0);
    DEFAULTS.put("httpPort", 8780);
    DEFAULTS.put("maxMessageBytes", 65536);
    DEFAULTS.put("clientWriteQueueMaxBytes", 4 * 1024 * 1024);
    DEFAULTS.put("maxInFlightPerClient", 1024);
    DEFAULTS.put("gatewayInstances", 0);
    DEFAULTS.put("secretHashIterations", 20000);
    DEFAULTS.put("backlogMaxCount", 10000);
    DEFAULTS.put("backlogMaxAgeMillis", 3_600_000);
    DEFAULTS.put("redeliverWindowMillis", 2000);
    DEFAULTS.put("redirectTokenMillis", 30000);
    DEFAULTS.put("checkpointIntervalMillis", 250);
    DEFAULTS.put("sockjsAllowedOrigins", "");
    DEFAULTS.put("maxHttpBodyBytes", 65536);
    DEFAULTS.put("tlsCertFile", "");
    DEFAULTS.put("tlsKeyFile", "");
    DEFAULTS.put("tlsCaFile", "");
    DEFAULTS.put("tlsPort", 0);
    DEFAULTS.put("httpTls", false);
    DEFAULTS.put("meshTls", false);
    // abuse limits (docs/configuration.md "Limits")
    DEFAULTS.put("maxConnections", 20000);
    DEFAULTS.put("maxConnectionsPerIp", 256);
    DEFAULTS.put("maxConnectionRatePerIp", 100);
    DEFAULTS.put("perIpLimitsOnLoopback", false);
    DEFAULTS.put("loginTimeoutMillis", 30000);
    DEFAULTS.put("hashThreads", 0);
    DEFAULTS.put("hashQueueMax", 1024);
    DEFAULTS.put("failureDelayMaxMillis", 3200);
    DEFAULTS.put("activityRateLimit", 0);
    DEFAULTS.put("maxBacklogBytes", 256 * 1024 * 1024);
    DEFAULTS.put("maxRetainedBytes", 256 * 1024 * 1024);
    // ops endpoints
    DEFAULTS.put("opsBind", "127.0.0.1");
    DEFAULTS.put("opsToken", "");
    DEFAULTS.put("dataDir", "data/{name}");
    DEFAULTS.put("durability", "batch");
    DEFAULTS.put("nativeTransport", true);
  }

  private final JsonObject json;

  private ServerConfig(JsonObject json) {
    this.json = json;
  }

  public static ServerConfig defaults() {
    return new ServerConfig(new JsonObject(new LinkedHashMap<>(DEFAULTS)));
  }

  /**
   * Defaults overlaid with {@code overrides}. Unknown keys and values of the wrong type are errors
   * (never a silent default); the exception message lists every problem.
   */
  public static ServerConfig fromJson(JsonObject overrides) {
    List<String> problems = new ArrayList<>();
    ServerConfig config = new ServerConfig(ConfigChecks.typed(DEFAULTS, overrides, problems));
    problems.addAll(ConfigChecks.rangeProblems(config));
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("bad configuration: " + String.join("; ", problems));
    }
    return config;
  }

  /** The integer value of {@code key} (for {@link ConfigChecks}). */
  int integer(String key) {
    return json.getInteger(key);
  }

  /** The environment variable that overrides {@code key}: STREAMER_ + upper snake case. */
  public static String envName(String key) {
    return "STREAMER_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  /** This config with {@code overrides} applied on top (validated again). */
  public ServerConfig with(JsonObject overrides) {
    return fromJson(json.copy().mergeIn(overrides));
  }

  public JsonObject toJson() {
    return json.copy();
  }

  public String serverId() { return json.getString("serverId"); }
  public String localHostname() { return json.getString("localHostname"); }
  public String bindHost() { return json.getString("bindHost"); }
  public int localPort() { return json.getInteger("localPort"); }
  public String remoteHostname() { return json.getString("remoteHostname"); }
  public int remotePort() { return json.getInteger("remotePort"); }
  public String secret() { return json.getString("secret"); }
  /** Accept the classic {@code AUTHENTICATE {secret}} (the secret in clear) from servers; off by default. */
  public boolean meshClassicAuth() { return json.getBoolean("meshClassicAuth"); }
  public int announceIntervalMillis() { return json.getInteger("announceIntervalMillis"); }
  public int httpPort() { return json.getInteger("httpPort"); }
  public int maxMessageBytes() { return json.getInteger("maxMessageBytes"); }
  public int clientWriteQueueMaxBytes() { return json.getInteger("clientWriteQueueMaxBytes"); }
  public int maxInFlightPerClient() { return json.getInteger("maxInFlightPerClient"); }
  public int secretHashIterations() { return json.getInteger("secretHashIterations"); }
  public int backlogMaxCount() { return json.getInteger("backlogMaxCount"); }
  public long backlogMaxAgeMillis() { return json.getInteger("backlogMaxAgeMillis"); }
  public long redeliverWindowMillis() { return json.getInteger("redeliverWindowMillis"); }
  /** How long the token of a REDIRECT to an anonymous resume client resumes its session. */
  public long redirectTokenMillis() { return json.getInteger("redirectTokenMillis"); }
  public long checkpointIntervalMillis() { return json.getInteger("checkpointIntervalMillis"); }
  public String sockjsAllowedOrigins() { return json.getString("sockjsAllowedOrigins"); }
  public int maxHttpBodyBytes() { return json.getInteger("maxHttpBodyBytes"); }
  /** PEM certificate (chain) of this server; "" = none. */
  public String tlsCertFile() { return json.getString("tlsCertFile"); }
  /** PEM private key of {@link #tlsCertFile}. */
  public String tlsKeyFile() { return json.getString("tlsKeyFile"); }
  /** PEM CA certificate(s) that peers' (and optional clients') certificates are verified against; "" = none. */
  public String tlsCaFile() { return json.getString("tlsCaFile"); }
  /** Client (and, with meshTls, server) TCP over TLS; 0 = off. */
  public int tlsPort() { return json.getInteger("tlsPort"); }
  /** HTTPS and WSS on httpPort. */
  public boolean httpTls() { return json.getBoolean("httpTls"); }
  /** Server links over mutual TLS on tlsPort. */
  public boolean meshTls() { return json.getBoolean("meshTls"); }
  /** Client connections (TCP and SockJS, server links until they authenticate) open at once. */
  public int maxConnections() { return json.getInteger("maxConnections"); }
  /** The same per remote address (0 = no per-address limit). */
  public int maxConnectionsPerIp() { return json.getInteger("maxConnectionsPerIp"); }
  /** New connections per second per remote address (a burst of as many); 0 = no limit. */
  public int maxConnectionRatePerIp() { return json.getInteger("maxConnectionRatePerIp"); }
  /** Per-address limits (connections, failure delays) also for loopback addresses; off: this host is trusted. */
  public boolean perIpLimitsOnLoopback() { return json.getBoolean("perIpLimitsOnLoopback"); }
  /** A connection neither logged in nor authenticated as a server by then is closed (0 = never). */
  public long loginTimeoutMillis() { return json.getInteger("loginTimeoutMillis"); }
  /** Longest delay of a failed LOGIN or REGISTER answer (doubling from 100 ms; 0 = no delay). */
  public long failureDelayMaxMillis() { return json.getInteger("failureDelayMaxMillis"); }
  /** Secret hashes waiting for a hashing thread; beyond that REGISTER and LOGIN are answered "server busy". */
  public int hashQueueMax() { return json.getInteger("hashQueueMax"); }
  /** Activities a connection may send per second (burst of as many); 0 = no limit. */
  public int activityRateLimit() { return json.getInteger("activityRateLimit"); }
  /** Bytes of activity lines kept in the backlog for detached sessions (as well as backlogMaxCount). */
  public long maxBacklogBytes() { return json.getInteger("maxBacklogBytes"); }
  /** Bytes of replicated events kept for peers that have not acknowledged them (estimated). */
  public long maxRetainedBytes() { return json.getInteger("maxRetainedBytes"); }
  /** The address the ops endpoints (/metrics, /api/mesh) are served on; 0.0.0.0 = every address. */
  public String opsBind() { return json.getString("opsBind"); }
  /** Bearer token that opens the ops endpoints from anywhere ("" = none). */
  public String opsToken() { return json.getString("opsToken"); }

  public int hashThreads() {
    int n = json.getInteger("hashThreads");
    return n > 0 ? n : Math.max(1, Runtime.getRuntime().availableProcessors());
  }
  /** The data directory as configured ({@code {name}}: the server name); "" or "none": memory only. */
  public String dataDir() { return json.getString("dataDir"); }
  /** When a change is on disk before anything depending on it is sent: off, batch or always. */
  public String durability() { return json.getString("durability"); }

  /** Netty's native epoll transport where it loads (Linux x86-64), else NIO; false = always NIO. */
  public boolean nativeTransport() { return json.getBoolean("nativeTransport"); }

  /** Suspicion time before a silent or unreachable peer is declared dead; 0 in config means 3 announces, at most 5 s. */
  public long suspicionMillis() {
    int s = json.getInteger("suspicionMillis");
    // Digests flow every checkpoint interval, so silence is noticed long before three announcements;
    // the cap keeps a crash from stalling REGISTER (which waits for every member not yet dead) for long.
    return s > 0 ? s : Math.min(3L * announceIntervalMillis(), 5000L);
  }

  public int gatewayInstances() {
    int n = json.getInteger("gatewayInstances");
    return n > 0 ? n : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  @Override
  public String toString() {
    JsonObject masked = json.copy();
    if (!secret().isEmpty()) {
      masked.put("secret", "****");
    }
    if (!opsToken().isEmpty()) {
      masked.put("opsToken", "****");
    }
    return masked.encode();
  }
}
