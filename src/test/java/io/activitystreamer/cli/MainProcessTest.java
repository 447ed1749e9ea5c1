package io.activitystreamer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server command line as a real process: start-up, -h, bad config, SIGTERM. */
@Timeout(90)
class MainProcessTest {

  @Test
  void serverProcessServesAClientAndStopsOnSigterm() {
    try (ServerProcess s = ServerProcess.start("main-smoke", "-lp", "0", "-hp", "0", "-s", "pw", "-a", "200")) {
      assertTrue(s.port() > 0);
      assertEquals(0, s.httpPort());
      try (LineClient c = LineClient.connect(s.port())) {
        c.login("anonymous", null).expect("LOGIN_SUCCESS", "logged in as user anonymous");
        c.activity("anonymous", null, new JsonObject().put("text", "hi"));
        JsonObject a = c.nextActivity();
        assertEquals("hi", a.getString("text"));
        assertEquals("anonymous", a.getString("authenticated_user"));
        int code = s.kill();
        assertNotEquals(-1, code, "exits on SIGTERM");
        c.awaitClosedIgnoringLines(Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void helpListsEveryFlag() {
    try (ServerProcess p = ServerProcess.run("main-help", Map.of(), Duration.ofSeconds(30), "-h")) {
      assertEquals(0, p.awaitExit(Duration.ofSeconds(1)));
      String out = p.output();
      for (String flag : new String[] {"-lp", "-lh", "-rh", "-rp", "-s", "-a", "-hp", "-conf", "-h", "client", "-u",
          "--json", "STREAMER_"}) {
        assertTrue(out.contains(flag), "help mentions " + flag + ":\n" + out);
      }
    }
  }

  @Test
  void badConfigFileStopsStartupNamingTheKey() throws Exception {
    Path conf = Files.createTempFile("bad-conf", ".json");
    try {
      Files.writeString(conf, new JsonObject().put("localPort", 70000).put("announceIntervalMillis", "abc")
          .put("noSuchKey", 1).encode());
      try (ServerProcess p = ServerProcess.run("main-badconf", Map.of(), Duration.ofSeconds(30), "-conf",
          conf.toString(), "-hp", "0")) {
        int code = p.awaitExit(Duration.ofSeconds(1));
        String out = p.output();
        assertNotEquals(0, code, out);
        assertTrue(out.contains("localPort"), out);
        assertTrue(out.contains("announceIntervalMillis"), out);
        assertTrue(out.contains("noSuchKey"), out);
      }
    } finally {
      Files.deleteIfExists(conf);
    }
  }

  @Test
  void badEnvironmentValueStopsStartupNamingTheKey() {
    try (ServerProcess p = ServerProcess.run("main-badenv", Map.of("STREAMER_MAX_MESSAGE_BYTES", "lots"),
        Duration.ofSeconds(30), "-lp", "0", "-hp", "0", "-s", "x")) {
      int code = p.awaitExit(Duration.ofSeconds(1));
      assertNotEquals(0, code, p.output());
      assertTrue(p.output().contains("maxMessageBytes"), p.output());
    }
  }

  @Test
  void missingConfigFileAndUnknownFlagAreErrors() {
    try (ServerProcess p = ServerProcess.run("main-noconf", Map.of(), Duration.ofSeconds(30), "-conf",
        "/nonexistent/x.json")) {
      assertNotEquals(0, p.awaitExit(Duration.ofSeconds(1)));
      assertTrue(p.output().contains("/nonexistent/x.json"), p.output());
    }
    try (ServerProcess p = ServerProcess.run("main-badflag", Map.of(), Duration.ofSeconds(30), "-zz", "1")) {
      assertNotEquals(0, p.awaitExit(Duration.ofSeconds(1)));
      assertTrue(p.output().contains("-zz"), p.output());
    }
  }
}
