package io.activitystreamer.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.activitystreamer.config.ServerConfig;
import io.vertx.core.json.JsonObject;
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
  void prometheusTextHasHelpTypeAndSamples() {
    PrometheusText p = new PrometheusText();
    p.counter("x_total", "things", 3);
    p.help("y", "gauge", "by kind");
    p.sample("y", "kind=\"a\"", 1.5);
    assertEquals("# HELP x_total things\n# TYPE x_total counter\nx_total 3\n"
        + "# HELP y by kind\n# TYPE y gauge\ny{kind=\"a\"} 1.5\n", p.toString());
  }
}
