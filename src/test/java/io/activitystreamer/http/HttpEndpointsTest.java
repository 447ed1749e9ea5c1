package io.activitystreamer.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.gateway.TestServer;
import io.activitystreamer.testing.LineClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP side of one in-process server: SockJS speaks the client protocol with the same limits and
 * errors as TCP (through SockJS's raw WebSocket endpoint, {@code /sockjs/websocket}), the origin check
 * and body limit, {@code /api/mesh}, and the web client with its SockJS library served by the server
 * itself ({@code /metrics} and {@code /health}: {@link OpsEndpointsTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpEndpointsTest {
  private static final String GOOD_ORIGIN = "http://good.example";
  private static TestServer server;
  private static Vertx clientVertx;
  /** Kept for the whole class: a client nobody references is closed by its cleaner, its sockets with it. */
  private static WebSocketClient wsClient;
  private static int httpPort;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws IOException {
    httpPort = io.activitystreamer.testing.ServerProcess.freePort();
    server = TestServer.start(new JsonObject().put("httpPort", httpPort).put("maxMessageBytes", 1024)
        .put("maxHttpBodyBytes", 4096).put("sockjsAllowedOrigins", GOOD_ORIGIN + ", http://other.example"));
    clientVertx = Vertx.vertx();
    wsClient = clientVertx.createWebSocketClient();
  }

  @AfterAll
  static void stop() {
    if (clientVertx != null) {
      clientVertx.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void apiMeshDescribesTheMembersForThePanel() throws Exception {
    HttpResponse<String> r = get("/api/mesh");
    assertEquals(200, r.statusCode());
    assertEquals("*", r.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    JsonObject mesh = new JsonObject(r.body());
    assertTrue(mesh.getBoolean("joined"));
    assertEquals(httpPort, mesh.getInteger("httpPort"));
    assertEquals(server.port(), mesh.getInteger("port"));
    JsonObject self = mesh.getJsonArray("members").getJsonObject(0);
    assertTrue(self.getBoolean("self"));
    assertEquals("ALIVE", self.getString("status"));
    assertEquals(httpPort, self.getInteger("httpPort"));
    assertNotNull(mesh.getInteger("sessions"));
    JsonObject gateway = mesh.getJsonObject("gateway");
    assertNotNull(gateway.getJsonObject("connections").getLong("sockjs"));
    for (String counter : new String[] {"activitiesIn", "activitiesOut", "redirects", "protocolErrors"}) {
      assertNotNull(gateway.getLong(counter), counter + " for the page's mesh panel: " + gateway.encode());
    }
  }

  @Test
  void sockJsSpeaksTheClientProtocolAndSharesTheStreamWithTcp() throws Exception {
    try (Ws ws = Ws.connect(null); LineClient tcp = LineClient.connect(server.port())) {
      tcp.loginOk("anonymous", null);
      ws.send(new JsonObject().put("command", "REGISTER").put("username", "wendy").put("secret", "w-secret"));
      assertEquals("REGISTER_SUCCESS", ws.next().getString("command"));
      ws.send(new JsonObject().put("command", "LOGIN").put("username", "wendy").put("secret", "w-secret"));
      assertEquals("logged in as user wendy", ws.expect("LOGIN_SUCCESS").getString("info"));
      ws.send(new JsonObject().put("command", "ACTIVITY_MESSAGE").put("username", "wendy").put("secret", "w-secret")
          .put("activity", new JsonObject().put("text", "over sockjs")));
      JsonObject act = ws.expect("ACTIVITY_BROADCAST").getJsonObject("activity");
      assertEquals("wendy", act.getString("authenticated_user"));
      assertEquals("over sockjs", tcp.nextActivity().getString("text"));
      tcp.activity("anonymous", null, new JsonObject().put("text", "over tcp"));
      assertEquals("over tcp", ws.expect("ACTIVITY_BROADCAST").getJsonObject("activity").getString("text"));
    }
  }

  @Test
  void badSockJsMessagesGetTheSameErrorsAsTcp() throws Exception {
    try (Ws ws = Ws.connect(null)) {
      ws.sendText("not json");
      assertTrue(ws.expect("INVALID_MESSAGE").getString("info").length() > 0);
      ws.awaitClosed();
    }
    try (Ws ws = Ws.connect(null)) {
      ws.sendText(new JsonObject().put("command", "LOGIN").put("username", "x").put("pad", "y".repeat(1100)).encode());
      assertEquals("line longer than 1024 bytes", ws.expect("INVALID_MESSAGE").getString("info"));
      ws.awaitClosed();
    }
    try (Ws ws = Ws.connect(null)) {
      ws.send(new JsonObject().put("command", "AUTHENTICATE").put("secret", "mesh-secret"));
      assertEquals("INVALID_MESSAGE", ws.next().getString("command"));
      ws.awaitClosed();
    }
    try (Ws ws = Ws.connect(null)) {
      ws.send(new JsonObject().put("command", "ACTIVITY_MESSAGE").put("username", "anonymous")
          .put("activity", new JsonObject()));
      assertEquals("AUTHENTICATION_FAIL", ws.next().getString("command"));
      ws.awaitClosed();
    }
  }

  @Test
  void sockJsRefusesOriginsNotAllowed() throws Exception {
    Exception refused = assertThrows(Exception.class, () -> Ws.connect("http://evil.example").close());
    assertTrue(String.valueOf(refused.getMessage()).contains("403"), refused.toString());
    try (Ws ws = Ws.connect(GOOD_ORIGIN)) {
      ws.send(new JsonObject().put("command", "LOGIN").put("username", "anonymous"));
      ws.expect("LOGIN_SUCCESS");
    }
    HttpResponse<String> info = HTTP.send(HttpRequest.newBuilder(uri("/sockjs/info"))
        .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, info.statusCode());
    assertEquals(200, HTTP.send(HttpRequest.newBuilder(uri("/sockjs/info")).header("Origin", GOOD_ORIGIN).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void requestBodiesOverTheLimitAreRefused() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/sockjs/000/abcdef/xhr_send"))
        .POST(HttpRequest.BodyPublishers.ofString("[\"" + "x".repeat(5000) + "\"]")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(413, r.statusCode());
  }

  @Test
  void theWebClientAndItsSockJsLibraryAreServedByTheServer() throws Exception {
    HttpResponse<String> index = get("/");
    assertEquals(200, index.statusCode());
    Matcher m = Pattern.compile("src=\"(webjars/[^\"]+sockjs[^\"]*\\.js)\"").matcher(index.body());
    assertTrue(m.find(), "index.html loads SockJS from the server: " + index.body());
    HttpResponse<String> lib = get("/" + m.group(1));
    assertEquals(200, lib.statusCode());
    assertTrue(lib.body().contains("SockJS"), "the SockJS client library");
    HttpResponse<String> app = get("/app.js");
    assertEquals(200, app.statusCode());
    assertTrue(app.body().contains("/sockjs"));
    assertFalse(index.body().contains("//cdn"), "no CDN");
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A raw WebSocket to SockJS's {@code /sockjs/websocket}: one text message per command, no SockJS framing. */
  private static final class Ws implements AutoCloseable {
    private static final String CLOSED = new String("<closed>");
    private final WebSocket ws;
    private final LinkedBlockingQueue<String> in = new LinkedBlockingQueue<>();

    private Ws(WebSocket ws) {
      this.ws = ws;
      ws.handler(b -> in.add(b.toString()));
      ws.closeHandler(v -> in.add(CLOSED));
    }

    static Ws connect(String origin) throws Exception {
      WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
          .setURI("/sockjs/websocket").setAllowOriginHeader(origin != null);
      if (origin != null) {
        o.putHeader("Origin", origin);
      }
      return new Ws(wsClient.connect(o).await(10, TimeUnit.SECONDS));
    }

    void send(JsonObject msg) {
      sendText(msg.encode());
    }

    void sendText(String text) {
      ws.writeTextMessage(text).await();
    }

    JsonObject next() throws InterruptedException {
      String s = in.poll(10, TimeUnit.SECONDS);
      if (s == null || s == CLOSED) {
        throw new AssertionError(s == null ? "no message within 10 s" : "closed before the next message");
      }
      return new JsonObject(s);
    }

    JsonObject expect(String command) throws InterruptedException {
      JsonObject m = next();
      assertEquals(command, m.getString("command"), m.encode());
      return m;
    }

    void awaitClosed() throws InterruptedException {
      String s = in.poll(10, TimeUnit.SECONDS);
      assertTrue(s == CLOSED, "expected the server to close, got " + s);
    }

    @Override
    public void close() {
      if (!ws.isClosed()) {
        ws.close();
      }
    }
  }
}
