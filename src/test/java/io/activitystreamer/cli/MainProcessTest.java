package io.activitystreamer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command line as a real process: start-up, -h and --version of each command, bad flags, bad config, SIGTERM. */
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
      for (String flag : new String[] {"-lp PORT", "-lh HOST", "-rh HOST", "-rp PORT", "-s  SECRET", "-a  MILLIS",
          "-hp PORT", "-d  DIR", "-conf FILE", "--help", "--version", "client", "bench", "gen-certs", "STREAMER_"}) {
        assertTrue(out.contains(flag), "help mentions " + flag + ":\n" + out);
      }
    }
  }

  /** -h and --version of each command, started side by side (each is a JVM of its own). */
  @Test
  void everyCommandHasHelpAndVersion() {
    String version = System.getProperty("projectVersion");
    assertNotNull(version, "surefire passes the Maven project version");
    Map<String, List<String>> helpMentions = new LinkedHashMap<>();
    helpMentions.put("client", List.of("-rh HOST", "-rp PORT", "-u  USER", "-s  SECRET", "--json", "--tls",
        "--ca FILE", "--version"));
    // every option bench/*.sh uses
    helpMentions.put("bench", List.of("--servers H:P", "--pids P", "--label NAME", "--subs N", "--pubs M",
        "--payload BYTES", "--rate R", "--window W", "--ack echo|slowest", "--warmup S", "--duration S",
        "--drain S", "--loops L", "--settle MILLIS", "--registered", "--report FILE.html", "--tls CAFILE",
        "--target ours|redis|nats", "--channel NAME", "--quiet", "--version"));
    List<ServerProcess> versions = new ArrayList<>();
    Map<String, ServerProcess> helps = new LinkedHashMap<>();
    try {
      for (String command : List.of("", "client", "bench")) {
        versions.add(launch("version-" + command, command, "--version"));
      }
      helpMentions.keySet().forEach(c -> helps.put(c, launch("help-" + c, c, "-h")));
      for (ServerProcess p : versions) {
        assertEquals(0, p.awaitExit(Duration.ofSeconds(30)), p.output());
        assertTrue(p.output().contains("ActivityStreamer " + version), p.output());
      }
      helps.forEach((command, p) -> {
        assertEquals(0, p.awaitExit(Duration.ofSeconds(30)), p.output());
        assertTrue(p.output().contains("activitystreamer.jar " + command), p.output());
        for (String flag : helpMentions.get(command)) {
          assertTrue(p.output().contains(flag), command + " -h mentions " + flag + ":\n" + p.output());
        }
      });
    } finally {
      versions.forEach(ServerProcess::close);
      helps.values().forEach(ServerProcess::close);
    }
  }

  /** A wrong flag or value: exit 2, and the error names the flag and what it expects. */
  @Test
  void badFlagsExitTwoNamingTheFlagAndTheExpectedValue() {
    Map<String[], List<String>> cases = new LinkedHashMap<>();
    cases.put(new String[] {"-lp", "abc"}, List.of("'-lp'", "'abc' is not an int"));
    cases.put(new String[] {"-lpp", "1"}, List.of("'-lpp'", "Possible solutions: -lp"));
    cases.put(new String[] {"client", "-rp", "x"}, List.of("'-rp'", "'x' is not an int", "client -h"));
    cases.put(new String[] {"bench", "--subs", "many"}, List.of("'--subs'", "'many' is not an int", "bench -h"));
    cases.put(new String[] {"bench", "--target", "kafka"}, List.of("'--target'", "ours, redis, nats", "'kafka'"));
    cases.put(new String[] {"bench", "--servers", "localhost"}, List.of("'--servers'", "host:port"));
    cases.put(new String[] {"bench", "--subs", "0", "--pubs", "0"}, List.of("--subs and --pubs"));
    Map<String[], ServerProcess> runs = new LinkedHashMap<>();
    try {
      cases.keySet().forEach(args -> runs.put(args, ServerProcess.launch("badflag", Map.of(), args)));
      runs.forEach((args, p) -> {
        int code = p.awaitExit(Duration.ofSeconds(30));
        String what = String.join(" ", args) + ":\n" + p.output();
        assertEquals(2, code, what);
        for (String text : cases.get(args)) {
          assertTrue(p.output().contains(text), "mentions " + text + ": " + what);
        }
      });
    } finally {
      runs.values().forEach(ServerProcess::close);
    }
  }

  private static ServerProcess launch(String name, String command, String flag) {
    String[] args = command.isEmpty() ? new String[] {flag} : new String[] {command, flag};
    return ServerProcess.launch("main-" + name, Map.of(), args);
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
      assertEquals(2, p.awaitExit(Duration.ofSeconds(1)));
      assertTrue(p.output().contains("-zz"), p.output());
    }
  }
}
