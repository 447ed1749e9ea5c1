package io.activitystreamer.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.gateway.TestServer;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may read what: the ops endpoints only on opsBind or with the bearer token, no wildcard CORS, the
 * page's security headers, and SockJS open to the pages of the mesh only (by default).
 */
@Timeout(60)
class OpsAccessTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static HttpResponse<String> get(String host, int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An address of this machine that is not loopback (the test reaches the server "from the network" on it). */
  private static Optional<String> externalAddress() throws Exception {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nif.isUp() && !nif.isLoopback()) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            return Optional.of(a.getHostAddress());
          }
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void opsEndpointsOnlyOnOpsBindOrWithTheToken() throws Exception {
    Optional<String> external = externalAddress();
    Assumptions.assumeTrue(external.isPresent(), "no non-loopback address to test from");
    int http = ServerProcess.freePort();
    try (TestServer s = TestServer.start(new JsonObject().put("httpPort", http).put("bindHost", "0.0.0.0")
        .put("opsToken", "t0ken"))) {
      String ext = external.get();
      for (String path : new String[] {"/metrics", "/api/mesh"}) {
        assertEquals(200, get("127.0.0.1", http, path).statusCode(), path + " from this host");
        HttpResponse<String> refused = get(ext, http, path);
        assertEquals(401, refused.statusCode(), path + " from " + ext);
        assertTrue(refused.body().contains("opsBind"), refused.body());
        assertEquals(401, get(ext, http, path, "Authorization", "Bearer wrong").statusCode());
        assertEquals(200, get(ext, http, path, "Authorization", "Bearer t0ken").statusCode(), path + " with the token");
      }
      // the rest stays public: health, the page, SockJS
      assertEquals(200, get(ext, http, "/health").statusCode());
      assertEquals(200, get(ext, http, "/").statusCode());
      assertEquals(200, get(ext, http, "/sockjs/info").statusCode());
      HttpResponse<String> metrics = get("127.0.0.1", http, "/metrics");
      assertEquals(4.0, io.activitystreamer.testing.PrometheusSamples.parse(metrics.body())
          .get("streamer_limited_total{limit=\"ops_refused\"}"), metrics.body());
    }
    // no token: 403; opsBind 0.0.0.0 opens them to every address
    try (TestServer s = TestServer.start(new JsonObject().put("httpPort", http).put("bindHost", "0.0.0.0"))) {
      assertEquals(403, get(external.get(), http, "/metrics").statusCode());
    }
    try (TestServer s = TestServer.start(new JsonObject().put("httpPort", http).put("bindHost", "0.0.0.0")
        .put("opsBind", "0.0.0.0"))) {
      assertEquals(200, get(external.get(), http, "/metrics").statusCode());
    }
  }

  @Test
  void thePageHasItsSecurityHeadersAndCorsIsForTheMeshPagesOnly() throws Exception {
    int http = ServerProcess.freePort();
    try (TestServer s = TestServer.start(new JsonObject().put("httpPort", http))) {
      for (String path : new String[] {"/", "/app.js", HttpApi.SOCKJS_LIBRARY}) {
        HttpResponse<String> r = get("127.0.0.1", http, path);
        assertEquals(200, r.statusCode(), path);
        assertEquals(HttpApi.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""), path);
        assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""), path);
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
      }
      String own = "http://127.0.0.1:" + http;
      HttpResponse<String> mine = get("127.0.0.1", http, "/api/mesh", "Origin", own);
      assertEquals(own, mine.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      HttpResponse<String> evil = get("127.0.0.1", http, "/api/mesh", "Origin", "http://evil.example");
      assertTrue(evil.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), evil.headers().toString());
    }
  }

  @Test
  void sockJsOriginsDefaultToThePagesOfTheMesh() throws Exception {
    int httpA = ServerProcess.freePort();
    int httpB = ServerProcess.freePort();
    try (TestServer a = TestServer.start(new JsonObject().put("httpPort", httpA));
         TestServer b = TestServer.start(new JsonObject().put("httpPort", httpB).put("remoteHostname", "127.0.0.1")
             .put("remotePort", a.port()))) {
      assertEquals(200, get("127.0.0.1", httpA, "/sockjs/info", "Origin", "http://127.0.0.1:" + httpA).statusCode(),
          "the page's own origin");
      assertEquals(403, get("127.0.0.1", httpA, "/sockjs/info", "Origin", "http://evil.example").statusCode());
      assertEquals(403, get("127.0.0.1", httpA, "/sockjs/info", "Origin", "http://127.0.0.1:1").statusCode(),
          "another port of the same host is another origin");
      // b's page (a failover or a REDIRECT takes it to a) once a knows b
      await("a allows b's page").atMost(Duration.ofSeconds(20)).until(() -> {
        try {
          return get("127.0.0.1", httpA, "/sockjs/info", "Origin", "http://127.0.0.1:" + httpB).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
      b.close();
      // still allowed after b is gone: its page fails over to a
      assertEquals(200, get("127.0.0.1", httpA, "/sockjs/info", "Origin", "http://127.0.0.1:" + httpB).statusCode());
    }
  }
}
