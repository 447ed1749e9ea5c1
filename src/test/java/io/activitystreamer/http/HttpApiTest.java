package io.activitystreamer.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.testing.PrometheusSamples;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HttpApiTest {
  @Test
  void allowedOriginsAreACommaSeparatedListWithoutTrailingSlashes() {
    assertEquals(Set.of("*"), HttpApi.origins("*"));
    assertEquals(Set.of("http://a.example", "https://b.example:8443"),
        HttpApi.origins(" http://a.example/ ,https://b.example:8443,, "));
  }

  @Test
  void bodyLimitLeavesRoomForAnEscapedCommandOfMaxMessageBytes() {
    ServerConfig small = ServerConfig.fromJson(new JsonObject().put("maxMessageBytes", 1024).put("maxHttpBodyBytes", 4096));
    assertEquals(4096, HttpApi.bodyLimit(small));
    ServerConfig big = ServerConfig.fromJson(new JsonObject().put("maxMessageBytes", 65536).put("maxHttpBodyBytes", 65536));
    assertEquals(2 * 65536 + 64, HttpApi.bodyLimit(big));
  }

  @Test
  void productMetersAreScrapedWithPrometheusNamesUnitsAndTypes() {
    GatewayMetrics m = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    m.connectionOpened(GatewayMetrics.Transport.TCP);
    m.connectionOpened(GatewayMetrics.Transport.TCP);
    m.connectionClosed(GatewayMetrics.Transport.TCP);
    m.activitiesIn(3);
    m.protocolError(GatewayMetrics.ProtocolErrorKind.LINE_TOO_LONG);
    m.login(GatewayMetrics.Outcome.REFUSED);
    m.deliveryLatency(0, 2_000_000); // 2 ms
    m.stateView(new JsonObject().put("joined", true).put("sessions", 4).put("backlogBytes", 1234)
        .put("members", new JsonArray().add(new JsonObject().put("status", "ALIVE").put("self", true))
            .add(new JsonObject().put("status", "SUSPECT").put("linked", false))), true);
    String scrape = m.registry().scrape();
    Map<String, Double> s = PrometheusSamples.parse(scrape);
    Map<String, String> types = PrometheusSamples.types(scrape);
    assertEquals(2, s.get("streamer_connections_opened_total{transport=\"tcp\"}"));
    assertEquals(1, s.get("streamer_connections_open{transport=\"tcp\"}"));
    assertEquals(0, s.get("streamer_connections_open{transport=\"sockjs\"}"));
    assertEquals(3, s.get("streamer_activities_in_total"));
    assertEquals(1, s.get("streamer_protocol_errors_total{kind=\"line_too_long\"}"));
    assertEquals(0, s.get("streamer_protocol_errors_total{kind=\"invalid_message\"}"));
    assertEquals(1, s.get("streamer_login_requests_total{outcome=\"refused\"}"));
    assertEquals(4, s.get("streamer_sessions{kind=\"all\"}"));
    assertEquals(1234, s.get("streamer_backlog_bytes"));
    assertEquals(1, s.get("streamer_mesh_joined"));
    assertEquals(1, s.get("streamer_mesh_members{status=\"suspect\"}"));
    assertEquals(1, s.get("streamer_mesh_links{state=\"down\"}"));
    assertEquals("counter", types.get("streamer_activities_in_total"));
    assertEquals("gauge", types.get("streamer_sessions"));
    assertEquals("histogram", types.get("streamer_delivery_latency_seconds"));
    assertEquals(1, s.get("streamer_delivery_latency_seconds_count"));
    assertEquals(0.002, s.get("streamer_delivery_latency_seconds_sum"), 1e-9);
    // cumulative buckets from 0.1 ms to 30 s: 2 ms is in every bucket from 2 ms up, in none below
    Map<Double, Double> buckets = PrometheusSamples.buckets(s, "streamer_delivery_latency_seconds");
    assertTrue(buckets.size() > 20, buckets.toString());
    assertEquals(0.0001, buckets.keySet().stream().mapToDouble(Double::doubleValue).min().orElse(0), 1e-9);
    buckets.forEach((le, n) -> assertEquals(le >= 0.002 ? 1 : 0, n, "bucket le=" + le));
    assertEquals(1, s.get("streamer_delivery_latency_seconds_bucket{le=\"+Inf\"}"));
    assertTrue(s.keySet().stream().noneMatch(k -> k.contains("per_second")), "no rates computed in the server");
  }
}
