package io.activitystreamer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.AppVerticle;
import io.activitystreamer.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The generator against an in-process server: on a small run its counts are exact. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BenchTest {
  private static Vertx vertx;
  private static int port;

  @BeforeAll
  static void startServer() throws Exception {
    vertx = Vertx.vertx();
    ServerConfig config = ServerConfig.fromJson(new JsonObject().put("localPort", 0).put("httpPort", 0)
        .put("secret", "bench-test").put("secretHashIterations", 1000).put("dataDir", "none"));
    AppVerticle app = new AppVerticle(config);
    vertx.deployVerticle(app).await(30, TimeUnit.SECONDS);
    port = app.port();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static BenchOptions options(String... extra) {
    String[] base = {"--servers", "127.0.0.1:" + port, "--warmup", "0.2", "--duration", "0.8", "--settle", "100",
        "--quiet"};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return BenchOptions.parse(all);
  }

  private static void assertExact(BenchResult r, int pubs, int subs, int repliesPerClient) {
    assertNull(r.error(), r.toJson().encode());
    assertTrue(r.published() > 0, r.toJson().encode());
    assertEquals(r.published() * subs, r.expected());
    assertEquals(r.expected(), r.received(), r.toJson().encode());
    assertEquals(0, r.lost());
    assertEquals(0, r.duplicates());
    assertEquals(0, r.outOfOrder());
    assertEquals(r.published() * pubs, r.publisherReceived(), "every publisher receives every activity");
    assertEquals((long) repliesPerClient * (pubs + subs), r.toJson().getLong("slowPathLines"),
        "only the replies (REGISTER_SUCCESS, LOGIN_SUCCESS) are parsed");
  }

  @Test
  void maxRateRunCountsEveryDeliveryExactly() throws Exception {
    BenchResult r = Bench.run(options("--pubs", "2", "--subs", "3", "--window", "8", "--loops", "2"));
    assertExact(r, 2, 3, 1);
    assertTrue(r.deliveriesPerSecond() > 0);
    assertTrue(r.toJson().getLong("latencySamples") > 0);
  }

  @Test
  void reportShowsTheRunsPercentilesAndSamples(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("results/A-ours-1.html");
    BenchResult r = Bench.run(options("--pubs", "1", "--subs", "3", "--window", "8", "--ack", "slowest",
        "--duration", "2.5", "--report", report.toString()));
    assertExact(r, 1, 3, 1);
    assertEquals(3, r.toJson().getJsonArray("throughput").size(), "one sample per second, the last one shorter");
    BenchReportTest.assertReportOf(r, Files.readString(report));
  }

  @Test
  void slowestSubscriberWindowCountsExactly() throws Exception {
    BenchResult r = Bench.run(options("--pubs", "1", "--subs", "5", "--window", "4", "--ack", "slowest"));
    assertExact(r, 1, 5, 1);
  }

  @Test
  void fixedRateRunWithRegisteredUsersCountsExactly() throws Exception {
    BenchResult r = Bench.run(options("--pubs", "1", "--subs", "4", "--rate", "200", "--registered",
        "--payload", "50"));
    assertExact(r, 1, 4, 2);
    // 200 msg/s over warm-up plus duration (1 s), give or take the timer's granularity
    assertTrue(r.published() >= 150 && r.published() <= 260, r.toJson().encode());
  }
}
