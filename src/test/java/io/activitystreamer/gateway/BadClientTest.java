package io.activitystreamer.gateway;

import static io.activitystreamer.testing.LineClient.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every bad input of PROTOCOL.md sections 1, 2 and 4 on the wire: each gets its reply and a close, and the
 * server keeps serving everybody else (a watcher logged in for the whole class sees only the legitimate
 * activities, in order).
 */
@Timeout(60)
class BadClientTest {
  private static final String SECRET = "mesh-secret";
  private static TestServer server;
  private static LineClient watcher;
  private static final AtomicInteger PROBES = new AtomicInteger();

  /** Lines that are bad whatever the connection's state. */
  private static final List<String> BAD_LINES = List.of(
      "this is not json",
      "{\"command\":\"LOGIN\",\"username\":\"anonymous\"",
      "[{\"command\":\"LOGIN\",\"username\":\"anonymous\"}]",
      "\"LOGIN\"",
      "12",
      "{}",
      "{\"username\":\"anonymous\"}",
      "{\"command\":5}",
      "{\"command\":[\"LOGIN\"]}",
      "{\"command\":\"LOGON\"}",
      "{\"command\":\"login\",\"username\":\"anonymous\"}",
      "{\"command\":\"REGISTER\",\"secret\":\"x\"}",
      "{\"command\":\"REGISTER\",\"username\":\"u\"}",
      "{\"command\":\"REGISTER\",\"username\":7,\"secret\":\"x\"}",
      "{\"command\":\"REGISTER\",\"username\":\"u\",\"secret\":{}}",
      "{\"command\":\"LOGIN\"}",
      "{\"command\":\"LOGIN\",\"username\":\"someone\"}",
      "{\"command\":\"LOGIN\",\"username\":null,\"secret\":\"x\"}",
      "{\"command\":\"LOGIN\",\"username\":\"someone\",\"secret\":1}",
      "{\"command\":\"ACTIVITY_MESSAGE\",\"activity\":{}}",
      "{\"command\":\"ACTIVITY_MESSAGE\",\"username\":[],\"activity\":{}}",
      "{\"command\":\"SERVER_ANNOUNCE\",\"id\":\"x\",\"load\":0,\"hostname\":\"h\",\"port\":1}",
      "{\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{\"forged\":true}}",
      "{\"command\":\"LOCK_REQUEST\",\"username\":\"u\",\"secret\":\"x\"}",
      "{\"command\":\"MESH_EVENT\"}",
      "{\"command\":\"INVALID_MESSAGE\",\"info\":\"x\"}",
      "{\"command\":\"LOGIN_SUCCESS\",\"info\":\"x\"}",
      "{\"command\":\"REDIRECT\",\"hostname\":\"h\",\"port\":1}",
      "{\"command\":\"AUTHENTICATION_FAIL\",\"info\":\"x\"}");

  @BeforeAll
  static void start() {
    // the AUTHENTICATE cases here are about the classic {secret} form (MeshAuthTest covers the handshake)
    server = TestServer.start(new JsonObject().put("meshClassicAuth", true));
    watcher = LineClient.connect(server.port());
    watcher.loginOk("anonymous", null);
  }

  @AfterAll
  static void stop() {
    if (watcher != null) {
      watcher.close();
    }
    server.close();
  }

  /** A legitimate activity from a fresh client reaches the watcher next: nothing bad was relayed before it. */
  private static void serverStillServes() {
    int n = PROBES.incrementAndGet();
    try (LineClient c = LineClient.connect(server.port())) {
      c.loginOk("anonymous", null);
      c.activity("anonymous", null, new JsonObject().put("probe", n));
      assertEquals(n, c.nextActivity().getInteger("probe"));
    }
    JsonObject seen = watcher.nextActivity();
    assertEquals(n, seen.getInteger("probe"), "the watcher got only legitimate activities: " + seen);
  }

  private static void expectInvalidAndClose(LineClient c, String what) {
    JsonObject r = c.expect("INVALID_MESSAGE");
    assertTrue(r.getString("info") != null && !r.getString("info").isBlank(), what + ": info explains " + r);
    c.awaitClosed();
  }

  @Test
  void badFirstLines() {
    for (String line : BAD_LINES) {
      try (LineClient c = LineClient.connect(server.port())) {
        c.sendRaw(line + "\n");
        expectInvalidAndClose(c, line);
      }
    }
    serverStillServes();
  }

  @Test
  void badLinesAfterLogin() {
    for (String line : BAD_LINES) {
      try (LineClient c = LineClient.connect(server.port())) {
        c.loginOk("anonymous", null);
        c.sendRaw(line + "\r\n");
        expectInvalidAndClose(c, line);
      }
    }
    serverStillServes();
  }

  @Test
  void forgedBroadcastIsNeverRelayed() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.loginOk("anonymous", null);
      c.send(command("ACTIVITY_BROADCAST").put("activity", new JsonObject().put("forged", true)));
      expectInvalidAndClose(c, "ACTIVITY_BROADCAST from a client");
    }
    serverStillServes();
  }

  @Test
  void invalidUtf8() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.sendBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, '\n'});
      expectInvalidAndClose(c, "invalid UTF-8");
    }
  }

  @Test
  void blankLinesAreIgnored() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.sendRaw("\n\r\n   \n");
      c.loginOk("anonymous", null);
    }
  }

  @Test
  void tenMegabyteLineIsRefusedWithoutWaitingForItsEnd() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.loginOk("anonymous", null);
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 'x');
      chunk[0] = '{';
      long sent = 0;
      // never send the newline: the server must answer once the limit (65536) is passed
      while (sent < 10L * 1024 * 1024 && c.trySendBytes(chunk)) {
        sent += chunk.length;
        chunk[0] = 'x';
        if (!c.quietFor(Duration.ZERO)) {
          break;
        }
      }
      JsonObject r = c.expect("INVALID_MESSAGE");
      assertTrue(r.getString("info").contains("65536"), r.encode());
      c.awaitClosed();
    }
    serverStillServes();
  }

  @Test
  void tenMegabyteLineWithItsNewline() {
    byte[] line = new byte[10 * 1024 * 1024 + 1];
    Arrays.fill(line, (byte) ' ');
    line[line.length - 1] = '\n';
    try (LineClient c = LineClient.connect(server.port())) {
      Thread writer = new Thread(() -> c.trySendBytes(line), "big-writer");
      writer.setDaemon(true);
      writer.start();
      c.expect("INVALID_MESSAGE");
      c.awaitClosed();
    }
    serverStillServes();
  }

  @Test
  void lineJustUnderTheLimitIsServed() {
    String pad = "y".repeat(65536 - 200);
    try (LineClient c = LineClient.connect(server.port())) {
      c.loginOk("anonymous", null);
      c.activity("anonymous", null, new JsonObject().put("pad", pad));
      assertEquals(pad, c.nextActivity().getString("pad"));
    }
    assertEquals(pad, watcher.nextActivity().getString("pad"));
  }

  @Test
  void authenticateWithAWrongSecret() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.send(command("AUTHENTICATE").put("secret", "not-" + SECRET));
      JsonObject r = c.expect("AUTHENTICATION_FAIL");
      assertTrue(!r.getString("info").contains(SECRET), r.encode());
      c.awaitClosed();
    }
    serverStillServes();
  }

  @Test
  void secondAuthenticateOnAServerLink() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.send(command("AUTHENTICATE").put("secret", SECRET));
      c.send(command("AUTHENTICATE").put("secret", SECRET));
      // the link may carry the server's own messages (announcements) before the refusal
      c.nextMatching(m -> "INVALID_MESSAGE".equals(m.getString("command")), Duration.ofSeconds(10));
      c.awaitClosedIgnoringLines(Duration.ofSeconds(10));
    }
    serverStillServes();
  }

  @Test
  void authenticateFromALoggedInClient() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.loginOk("anonymous", null);
      c.send(command("AUTHENTICATE").put("secret", SECRET));
      expectInvalidAndClose(c, "AUTHENTICATE not first");
    }
    try (LineClient c = LineClient.connect(server.port())) {
      c.send(command("LOGOUT").put("x", 1));
      c.awaitClosed();
    }
  }

  @Test
  void authenticateWithoutSecretIsInvalid() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.send(command("AUTHENTICATE"));
      expectInvalidAndClose(c, "AUTHENTICATE without secret");
    }
  }

  @Test
  void garbageAfterTheLastNewlineThenHangUp() {
    try (LineClient c = LineClient.connect(server.port())) {
      c.loginOk("anonymous", null);
      c.sendRaw("{\"command\":\"ACTIVITY_MESS");
      c.shutdownOutput();
      c.awaitClosedIgnoringLines(Duration.ofSeconds(10));
    }
    serverStillServes();
    server.awaitInfo(i -> i.getInteger("load") == 1, Duration.ofSeconds(10));
  }

  @Test
  void bytesSplitAnywhere() {
    byte[] all = (command("LOGIN").put("username", "anonymous").encode() + "\r\n").getBytes(StandardCharsets.UTF_8);
    try (LineClient c = LineClient.connect(server.port())) {
      for (byte b : all) {
        c.sendBytes(new byte[] {b});
      }
      c.expect("LOGIN_SUCCESS");
    }
  }
}
