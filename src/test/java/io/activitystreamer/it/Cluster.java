package io.activitystreamer.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Several real server JVMs on loopback for mesh tests. Servers are named (serverId {@code s1}, {@code
 * s2}, ...; incarnation ids compare in name order, so the smaller name dials the link), listen on fixed
 * free ports (a restart keeps the port), and use small timers: announce {@code announceMillis},
 * suspicion {@code suspicionMillis}, cheap secret hashing. {@link #close()} kills everything.
 */
final class Cluster implements AutoCloseable {
  static final String SECRET = "it-mesh-secret";

  final long announceMillis;
  final long suspicionMillis;
  private final Map<String, ServerProcess> nodes = new LinkedHashMap<>();
  private final Map<String, Integer> ports = new HashMap<>();
  private final Map<String, Integer> advertised = new HashMap<>();
  private final List<TcpProxy> proxies = new ArrayList<>();
  /** Each server's data directory is {@code dataRoot/NAME}; null: memory only. */
  private java.nio.file.Path dataRoot;
  /** More environment variables (config keys as {@code STREAMER_*}) for the servers started from now on. */
  private final Map<String, String> extraEnv = new HashMap<>();

  Cluster(long announceMillis, long suspicionMillis) {
    this.announceMillis = announceMillis;
    this.suspicionMillis = suspicionMillis;
  }

  /** Servers started from now on get this environment variable (a config key: {@code STREAMER_...}). */
  Cluster env(String name, String value) {
    extraEnv.put(name, value);
    return this;
  }

  /** Servers started from now on keep their state in {@code root/NAME} (kept across restarts). */
  Cluster withDataDirs(java.nio.file.Path root) {
    this.dataRoot = root;
    return this;
  }

  static int freePort() {
    return ServerProcess.freePort();
  }

  int port(String name) {
    return ports.computeIfAbsent(name, n -> freePort());
  }

  /** The port peers dial for this server (its proxy's port if it has one). */
  int advertisedPort(String name) {
    return advertised.getOrDefault(name, port(name));
  }

  /** Puts a proxy in front of {@code name} (call before starting it): every peer dials it through the proxy. */
  TcpProxy proxyInFront(String name) {
    TcpProxy p = TcpProxy.start(port(name));
    proxies.add(p);
    advertised.put(name, p.port());
    return p;
  }

  /** Starts a server without waiting; {@code via} null starts a new mesh. */
  ServerProcess launch(String name, String via) {
    ServerProcess old = nodes.get(name);
    if (old != null) {
      old.close();
    }
    List<String> args = new ArrayList<>(List.of("-lp", String.valueOf(port(name)), "-lh", "127.0.0.1", "-hp", "0",
        "-s", SECRET, "-a", String.valueOf(announceMillis)));
    if (via != null) {
      args.addAll(List.of("-rh", "127.0.0.1", "-rp", String.valueOf(advertisedPort(via))));
    }
    if (dataRoot != null) {
      args.addAll(List.of("-d", dataRoot.resolve(name).toString()));
    }
    Map<String, String> env = new HashMap<>();
    env.put("STREAMER_SERVER_ID", name);
    env.put("STREAMER_SUSPICION_MILLIS", String.valueOf(suspicionMillis));
    env.put("STREAMER_SECRET_HASH_ITERATIONS", "500");
    env.put("STREAMER_GATEWAY_INSTANCES", "1");
    env.putAll(extraEnv);
    List<String> jvm = new ArrayList<>();
    if (advertised.containsKey(name)) {
      jvm.add("-Dactivitystreamer.advertisedPort=" + advertised.get(name));
    }
    ServerProcess p = ServerProcess.launch(name, env, jvm, args.toArray(new String[0]));
    nodes.put(name, p);
    return p;
  }

  ServerProcess start(String name, String via) {
    ServerProcess p = launch(name, via);
    p.awaitPort(ServerProcess.START_WAIT);
    return p;
  }

  ServerProcess node(String name) {
    return nodes.get(name);
  }

  List<String> liveNames() {
    List<String> out = new ArrayList<>();
    nodes.forEach((n, p) -> {
      if (p.isAlive() && p.port() > 0) {
        out.add(n);
      }
    });
    return out;
  }

  void kill9(String name) {
    nodes.get(name).kill9();
  }

  // ---- observations through the client protocol ----

  /** The members listed in LOGIN_SUCCESS (resume extension) of an anonymous login on {@code name}. */
  Set<String> members(String name) {
    try (LineClient c = LineClient.connect(port(name))) {
      c.send(LineClient.command("LOGIN").put("username", "anonymous").put("resume", new JsonObject()));
      JsonObject ok = c.expect("LOGIN_SUCCESS", Duration.ofSeconds(5));
      JsonArray list = ok.getJsonArray("members", new JsonArray());
      Set<String> out = new TreeSet<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(list.getString(i));
      }
      return out;
    }
  }

  /** The address set every live server should list. */
  Set<String> expectedMembers() {
    Set<String> out = new TreeSet<>();
    for (String n : liveNames()) {
      out.add("127.0.0.1:" + advertisedPort(n));
    }
    return out;
  }

  /** Waits until every live server lists exactly the live servers. */
  void awaitOneMembership(Duration wait) {
    await("one membership on every server").atMost(wait).untilAsserted(() -> {
      Set<String> expected = expectedMembers();
      Map<String, Set<String>> seen = new HashMap<>();
      boolean all = true;
      for (String n : liveNames()) {
        Set<String> m;
        try {
          m = members(n);
        } catch (AssertionError e) {
          m = Set.of("<" + e.getMessage().lines().findFirst().orElse("") + ">");
        }
        seen.put(n, m);
        all &= m.equals(expected);
      }
      assertTrue(all, () -> "expected " + expected + ", saw " + seen);
    });
  }

  /** True if LOGIN of this user succeeds on this server (then LOGOUT). */
  boolean loginWorks(String name, String user, String secret) {
    try (LineClient c = LineClient.connect(port(name))) {
      c.login(user, secret);
      JsonObject r = c.next(Duration.ofSeconds(5));
      if (!"LOGIN_SUCCESS".equals(r.getString("command"))) {
        return false;
      }
      c.send(LineClient.command("LOGOUT"));
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }

  /** Lines of this server's output (since its last start) containing {@code text}. */
  long logCount(String name, String text) {
    return nodes.get(name).output().lines().filter(l -> l.contains(text)).count();
  }

  @Override
  public void close() {
    for (ServerProcess p : nodes.values()) {
      p.close();
    }
    for (TcpProxy p : proxies) {
      p.close();
    }
  }
}
