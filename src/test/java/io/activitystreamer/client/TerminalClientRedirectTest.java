package io.activitystreamer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14.6: the terminal client, as a real process, presents the token of a REDIRECT's {@code resume}
 * in its next LOGIN, once. The servers are two listening sockets played by the test: A answers the
 * anonymous LOGIN and redirects to B with a token; B checks the LOGIN, answers it, then drops the
 * connection; the LOGIN after that carries no token (a token resumes once).
 */
@Timeout(60)
class TerminalClientRedirectTest {
  private static final int WAIT_MILLIS = 20_000;

  /** One accepted connection of a fake server: its first line (the LOGIN), and a way to answer. */
  private record Conn(Socket socket, BufferedReader in, OutputStream out) {
    static Conn accept(ServerSocket server) throws IOException {
      Socket s = server.accept();
      s.setSoTimeout(WAIT_MILLIS);
      return new Conn(s, new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)),
          s.getOutputStream());
    }

    JsonObject read() throws IOException {
      String line = in.readLine();
      assertNotNull(line, "a line from the client");
      return new JsonObject(line);
    }

    void write(JsonObject msg) throws IOException {
      out.write((msg.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  private static JsonObject loginSuccess() {
    return new JsonObject().put("command", "LOGIN_SUCCESS").put("info", "logged in as user anonymous")
        .put("session", "anonymous:x/1").put("lastSeq", 0).put("dropped", 0);
  }

  @Test
  void theNextLoginAfterARedirectPresentsItsTokenOnce() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ServerSocket a = new ServerSocket(0, 5, lo); ServerSocket b = new ServerSocket(0, 5, lo);
         ServerProcess client = ServerProcess.launch("client-redirect", Map.of(), "client", "-rh", "127.0.0.1",
             "-rp", String.valueOf(a.getLocalPort()), "--json")) {
      a.setSoTimeout(WAIT_MILLIS);
      b.setSoTimeout(WAIT_MILLIS);
      Conn first = Conn.accept(a);
      JsonObject login = first.read();
      assertEquals("LOGIN", login.getString("command"));
      assertFalse(login.getJsonObject("resume").containsKey("token"), login.encode());
      first.write(loginSuccess());
      first.write(new JsonObject().put("command", "REDIRECT").put("hostname", "127.0.0.1")
          .put("port", b.getLocalPort()).put("resume", new JsonObject().put("token", "tok-123")
              .put("expiresInMillis", 30000)));
      first.socket().close();

      Conn second = Conn.accept(b);
      JsonObject again = second.read();
      assertEquals("LOGIN", again.getString("command"));
      assertEquals("anonymous", again.getString("username"));
      assertEquals("tok-123", again.getJsonObject("resume").getString("token"), again.encode());
      second.write(loginSuccess());
      second.socket().close(); // the connection breaks: the client logs in again, without the used token

      Conn third = Conn.accept(b);
      JsonObject later = third.read();
      assertEquals("LOGIN", later.getString("command"));
      assertFalse(later.getJsonObject("resume").containsKey("token"), later.encode());
      third.socket().close();
      client.closeStdin();
    }
  }
}
