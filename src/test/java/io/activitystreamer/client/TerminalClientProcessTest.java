package io.activitystreamer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.gateway.TestServer;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code Main client ...} as a real process against a server, with LineClients on the other side. */
@Timeout(90)
class TerminalClientProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern REGISTERED = Pattern.compile("registered (\\S+) with secret (\\S+)");
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ServerProcess client(String name, String... extra) {
    String[] args = new String[4 + 1 + extra.length];
    args[0] = "client";
    args[1] = "-rh";
    args[2] = "127.0.0.1";
    args[3] = "-rp";
    args[4] = String.valueOf(server.port());
    System.arraycopy(extra, 0, args, 5, extra.length);
    return ServerProcess.launch(name, Map.of(), args);
  }

  @Test
  void registersWithAGeneratedSecretSendsAndPrints() {
    try (ServerProcess bob = client("client-bob", "-u", "bob");
         LineClient watcher = LineClient.connect(server.port())) {
      Matcher m = REGISTERED.matcher(bob.awaitLine(l -> REGISTERED.matcher(l).find(), WAIT));
      assertTrue(m.find());
      assertEquals("bob", m.group(1));
      String secret = m.group(2);
      assertTrue(secret.length() >= 8, "a real generated secret: " + secret);
      bob.awaitOutput("logged in as bob", WAIT);
      watcher.loginOk("anonymous", null);

      // a plain line typed on stdin is sent as {"text": ...}
      bob.writeLine("hello from the terminal");
      JsonObject a = watcher.nextActivity();
      assertEquals("hello from the terminal", a.getString("text"));
      assertEquals("bob", a.getString("authenticated_user"));

      // a JSON object is sent as it is
      bob.writeLine("{\"type\":\"like\",\"n\":3}");
      JsonObject b = watcher.nextActivity();
      assertEquals("like", b.getString("type"));
      assertEquals(3, b.getInteger("n"));
      assertEquals("bob", b.getString("authenticated_user"));

      // someone else's activity is printed readably
      try (LineClient carol = LineClient.connect(server.port())) {
        carol.registerAndLogin("carol", "pw");
        carol.activity("carol", "pw", new JsonObject().put("text", "hi bob"));
        bob.awaitOutput("carol: hi bob", WAIT);
        carol.activity("carol", "pw", new JsonObject().put("text", "two").put("extra", 1));
        bob.awaitLine(l -> l.contains("carol:") && l.contains("\"extra\":1"), WAIT);
      }

      // the printed secret is bob's
      try (LineClient other = LineClient.connect(server.port())) {
        other.loginOk("bob", secret);
      }

      // end of input logs out and exits 0
      bob.closeStdin();
      assertEquals(0, bob.awaitExit(WAIT), bob.output());
    }
  }

  @Test
  void jsonModePrintsRawLines() {
    try (LineClient dave = LineClient.connect(server.port())) {
      dave.register("dave", "dpw").expect("REGISTER_SUCCESS");
      try (ServerProcess client = client("client-json", "-u", "dave", "-s", "dpw", "--json")) {
        client.awaitOutput("LOGIN_SUCCESS", WAIT);
        dave.loginOk("dave", "dpw");
        dave.activity("dave", "dpw", new JsonObject().put("text", "raw please"));
        String line = client.awaitLine(l -> l.contains("raw please"), WAIT);
        JsonObject msg = new JsonObject(line.trim());
        assertEquals("ACTIVITY_BROADCAST", msg.getString("command"));
        assertEquals("raw please", msg.getJsonObject("activity").getString("text"));
        assertEquals("dave", msg.getJsonObject("activity").getString("authenticated_user"));
        client.writeLine("from json mode");
        assertEquals("from json mode", dave.nextMatching(
            x -> "ACTIVITY_BROADCAST".equals(x.getString("command"))
                && "from json mode".equals(x.getJsonObject("activity").getString("text")), WAIT)
            .getJsonObject("activity").getString("text"));
        client.closeStdin();
        assertEquals(0, client.awaitExit(WAIT), client.output());
      }
    }
  }

  @Test
  void anonymousWithoutUser() {
    try (ServerProcess client = client("client-anon"); LineClient watcher = LineClient.connect(server.port())) {
      client.awaitOutput("logged in as anonymous", WAIT);
      watcher.loginOk("anonymous", null);
      client.writeLine("anon says hi");
      JsonObject a = watcher.nextActivity();
      assertEquals("anon says hi", a.getString("text"));
      assertEquals("anonymous", a.getString("authenticated_user"));
      client.closeStdin();
      assertEquals(0, client.awaitExit(WAIT), client.output());
    }
  }

  @Test
  void wrongSecretFailsWithAMessage() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.register("erin", "right").expect("REGISTER_SUCCESS");
    }
    try (ServerProcess client = client("client-wrong", "-u", "erin", "-s", "wrong")) {
      int code = client.awaitExit(WAIT);
      assertNotEquals(0, code);
      assertTrue(client.output().contains("login failed"), client.output());
      assertTrue(!client.output().contains("no server reachable"), client.output());
    }
  }

  @Test
  void registeringATakenNameFails() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.register("frank", "x").expect("REGISTER_SUCCESS");
    }
    try (ServerProcess client = client("client-taken", "-u", "frank")) {
      assertNotEquals(0, client.awaitExit(WAIT));
      assertTrue(client.output().contains("frank is already registered with the system"), client.output());
    }
  }
}
