package io.activitystreamer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.PrometheusSamples;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The network transport (config nativeTransport): a server process on Linux x86-64 runs on Netty's native
 * epoll, says so at start-up, on /api/mesh and on /metrics, and serves a client over it; where the native
 * transport does not load (here: Netty told not to load it) or the config turns it off, the server says why
 * and serves on NIO.
 */
@Timeout(90)
class NativeTransportTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void defaultServerRunsOnEpollAndSaysSo() throws Exception {
    assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")), "the jar carries epoll for Linux x86-64 only");
    try (ServerProcess s = start("transport-epoll", Map.of(), List.of())) {
      assertTrue(s.output().contains("network transport: epoll (native)"), s.output());
      assertTrue(s.output().contains("transport epoll"), "startup line names it:\n" + s.output());
      assertServesOn(s, "epoll");
    }
  }

  @Test
  void fallsBackToNioWithTheReasonWhereNativeDoesNotLoad() throws Exception {
    try (ServerProcess s = start("transport-fallback", Map.of(), List.of("-Dio.netty.transport.noNative=true"))) {
      String line = s.awaitLine(l -> l.contains("WARN") && l.contains("network transport: nio"), Duration.ofSeconds(5));
      assertTrue(line.contains("not available") && line.contains("noNative"), "the warning says why: " + line);
      assertServesOn(s, "nio");
    }
  }

  @Test
  void configTurnsItOff() throws Exception {
    try (ServerProcess s = start("transport-off", Map.of("STREAMER_NATIVE_TRANSPORT", "false"), List.of())) {
      assertTrue(s.output().contains("network transport: nio (nativeTransport false)"), s.output());
      assertServesOn(s, "nio");
    }
  }

  private static ServerProcess start(String name, Map<String, String> env, List<String> jvmOpts) {
    ServerProcess s = ServerProcess.launch(name, env, jvmOpts, "-lp", "0", "-hp",
        String.valueOf(ServerProcess.freePort()), "-s", "pw");
    try {
      s.awaitPort(ServerProcess.START_WAIT);
    } catch (RuntimeException | Error e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** /api/mesh and /metrics name {@code transport}, and a client's activity comes back over it. */
  private static void assertServesOn(ServerProcess s, String transport) throws Exception {
    assertTrue(s.output().contains("transport " + transport), s.output());
    JsonObject mesh = new JsonObject(get(s, "/api/mesh"));
    assertEquals(transport, mesh.getString("transport"), mesh.encode());
    Map<String, Double> samples = PrometheusSamples.parse(get(s, "/metrics"));
    assertEquals(1.0, samples.get("streamer_transport_info{transport=\"" + transport + "\"}"),
        "one transport gauge, for " + transport);
    assertEquals(1, samples.keySet().stream().filter(k -> k.startsWith("streamer_transport_info")).count());
    try (LineClient c = LineClient.connect(s.port())) {
      c.login("anonymous", null).expect("LOGIN_SUCCESS", "logged in as user anonymous");
      c.activity("anonymous", null, new JsonObject().put("text", "over " + transport));
      assertEquals("over " + transport, c.nextActivity().getString("text"));
    }
  }

  private static String get(ServerProcess s, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }
}
