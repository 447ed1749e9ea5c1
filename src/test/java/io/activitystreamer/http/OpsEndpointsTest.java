package io.activitystreamer.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.AppVerticle;
import io.activitystreamer.gateway.TestServer;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.PrometheusSamples;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code /metrics} and {@code /health} of real servers in this JVM, read over HTTP: the product's
 * meters move with client traffic (counters, the delivery latency histogram), Vert.x's and the JVM's
 * meters are there, and readiness is 503 until the server has joined its mesh, 200 after.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpsEndpointsTest {
  private static TestServer server;
  private static int httpPort;
  private TestServer peer;

  @BeforeAll
  static void start() {
    httpPort = ServerProcess.freePort();
    server = TestServer.start(new JsonObject().put("httpPort", httpPort));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void stopPeer() {
    if (peer != null) {
      peer.close();
    }
  }

  @Test
  void metricsMoveWithTrafficAndTimeEachDelivery(Vertx vertx, VertxTestContext ctx) {
    HttpClient http = vertx.createHttpClient();
    Checkpoint scraped = ctx.checkpoint(2);
    get(vertx, http, httpPort, "/metrics").onComplete(ctx.succeeding(first -> {
      Map<String, Double> before = PrometheusSamples.parse(first.body());
      scraped.flag();
      long[] roundTrip = new long[1];
      vertx.executeBlocking(() -> roundTrip[0] = traffic()) // real clients on the TCP port, blocking: off the event loop
          .compose(v -> get(vertx, http, httpPort, "/metrics")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("text/plain; version=0.0.4"), r.contentType());
        Map<String, Double> s = PrometheusSamples.parse(r.body());
        Map<String, String> types = PrometheusSamples.types(r.body());
        // what traffic() did: 4 TCP connections; 1 activity from 1 of 2 logged-in clients; 1 bad line
        assertDelta(4, before, s, "streamer_connections_opened_total{transport=\"tcp\"}");
        assertDelta(1, before, s, "streamer_activities_in_total");
        assertDelta(2, before, s, "streamer_activities_out_total");
        assertDelta(1, before, s, "streamer_deliveries_total");
        assertDelta(1, before, s, "streamer_delivery_batches_total");
        assertDelta(1, before, s, "streamer_delivery_latency_seconds_count");
        double latency = s.get("streamer_delivery_latency_seconds_sum")
            - before.get("streamer_delivery_latency_seconds_sum");
        // stamped when the batch's writes on the sender's gateway have been issued: the sender may read its
        // echo a moment before that (the same loop writes to the other recipient after it), hence the slack
        assertTrue(latency > 0 && latency <= roundTrip[0] / 1e9 + 0.05,
            "timed within what the sender saw: " + latency + " s of a " + roundTrip[0] / 1e9 + " s round trip");
        assertDelta(1, before, s, "streamer_protocol_errors_total{kind=\"invalid_message\"}");
        assertDelta(1, before, s, "streamer_register_requests_total{outcome=\"success\"}");
        assertDelta(2, before, s, "streamer_login_requests_total{outcome=\"success\"}");
        assertDelta(1, before, s, "streamer_login_requests_total{outcome=\"refused\"}");
        assertEquals("histogram", types.get("streamer_delivery_latency_seconds"));
        assertEquals("counter", types.get("streamer_activities_in_total"));
        assertEquals("gauge", types.get("streamer_connections_open"));
        assertEquals(1, s.get("streamer_state_answering"));
        assertEquals(1, s.get("streamer_mesh_joined"));
        assertEquals(1, s.get("streamer_mesh_members{status=\"alive\"}"));
        assertEquals(0, s.get("streamer_mesh_links{state=\"down\"}"));
        assertTrue(s.get("streamer_sessions{kind=\"all\"}") >= 1, "the named session stays, detached");
        assertTrue(s.get("streamer_backlog_bytes") >= 0);
        // Vert.x's and the JVM's meters, from the same registry
        for (String family : new String[] {"jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
            "jvm_threads_live_threads", "process_cpu_usage", "vertx_pool_in_use",
            "vertx_http_server_requests_total", "vertx_net_server_active_connections"}) {
          assertTrue(s.keySet().stream().anyMatch(k -> k.equals(family) || k.startsWith(family + "{")),
              family + " in\n" + r.body());
        }
        assertTrue(s.keySet().stream().noneMatch(k -> k.contains("per_second")), "rates are left to PromQL");
        scraped.flag();
      })));
    }));
  }

  /**
   * Register and log in a named client, an anonymous one, one activity, a wrong secret, a bad line.
   * Returns the nanoseconds from sending the activity to both clients having it.
   */
  private static long traffic() {
    long roundTrip;
    try (LineClient named = LineClient.connect(server.port()); LineClient anon = LineClient.connect(server.port())) {
      named.register("mary", "m-secret").expect("REGISTER_SUCCESS");
      named.loginOk("mary", "m-secret");
      anon.loginOk("anonymous", null);
      long sent = System.nanoTime();
      named.activity("mary", "m-secret", new JsonObject().put("text", "metered"));
      assertEquals("metered", named.nextActivity().getString("text"));
      assertEquals("metered", anon.nextActivity().getString("text"));
      roundTrip = System.nanoTime() - sent;
    }
    try (LineClient wrong = LineClient.connect(server.port())) {
      wrong.login("mary", "not-her-secret").expect("LOGIN_FAILED");
    }
    try (LineClient bad = LineClient.connect(server.port())) {
      bad.sendRaw("{\"command\":\"LOGON\"}\n").expect("INVALID_MESSAGE");
      bad.awaitClosed();
    }
    return roundTrip;
  }

  private static void assertDelta(double expected, Map<String, Double> before, Map<String, Double> after,
      String sample) {
    assertTrue(after.containsKey(sample), "no sample " + sample);
    assertEquals(expected, after.get(sample) - before.getOrDefault(sample, 0.0), sample);
  }

  @Test
  void readyOnlyOnceJoinedWhileLiveAllAlong(Vertx vertx, VertxTestContext ctx) {
    int meshPort = ServerProcess.freePort(); // nothing listens there yet: the join is retried
    int http2 = ServerProcess.freePort();
    HttpClient http = vertx.createHttpClient();
    Checkpoint notReady = ctx.checkpoint();
    Checkpoint ready = ctx.checkpoint();
    Future<String> joined = vertx.deployVerticle(new AppVerticle(TestServer.config(new JsonObject()
        .put("httpPort", http2).put("remoteHostname", "127.0.0.1").put("remotePort", meshPort))));
    get(vertx, http, http2, "/health/ready").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(503, r.status(), r.body());
      JsonObject body = new JsonObject(r.body());
      assertEquals("DOWN", body.getString("outcome"));
      assertEquals("UP", check(body, "listening").getString("status"));
      assertEquals("DOWN", check(body, "meshJoined").getString("status"));
    }))).compose(v -> get(vertx, http, http2, "/health/live")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(200, r.status(), r.body());
      assertEquals("UP", new JsonObject(r.body()).getString("outcome"));
    }))).compose(v -> get(vertx, http, http2, "/health")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(503, r.status(), "all checks: readiness is among them");
      notReady.flag();
    }))).compose(v -> Future.fromCompletionStage(CompletableFuture.runAsync(() ->
        // the member it was told to join (started off Vert.x threads: TestServer waits for its start)
        peer = TestServer.start(new JsonObject().put("localPort", meshPort))), vertx.getOrCreateContext()))
        .compose(v -> joined).compose(id -> get(vertx, http, http2, "/health/ready"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.status(), r.body());
          JsonObject body = new JsonObject(r.body());
          assertEquals("UP", body.getString("outcome"));
          assertEquals(2, check(body, "meshJoined").getJsonObject("data").getInteger("members"));
          ready.flag();
        })));
  }

  private static JsonObject check(JsonObject health, String id) {
    JsonArray checks = health.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i);
      }
    }
    throw new AssertionError("no check " + id + " in " + health.encode());
  }

  record Reply(int status, String contentType, String body) {}

  /** GET on 127.0.0.1:{@code port}, retried while nothing listens there yet (a server starting). */
  private static Future<Reply> get(Vertx vertx, HttpClient http, int port, String path) {
    return get(vertx, http, port, path, 200);
  }

  private static Future<Reply> get(Vertx vertx, HttpClient http, int port, String path, int attempts) {
    return http.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(req -> req.send().compose(resp -> resp.body()
            .map(b -> new Reply(resp.statusCode(), String.valueOf(resp.getHeader("Content-Type")), b.toString()))))
        .recover(err -> attempts <= 1 ? Future.failedFuture(err)
            : vertx.timer(50).compose(t -> get(vertx, http, port, path, attempts - 1)));
  }
}
