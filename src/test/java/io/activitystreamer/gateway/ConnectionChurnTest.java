package io.activitystreamer.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 2,000 connections opened and closed, in every way a client can leave: never logged in, logged in and
 * hung up, logged out, refused. Nothing stays behind: load 0, no session attached here, named sessions
 * detached, anonymous ones gone, no connection counted open.
 */
@Timeout(120)
class ConnectionChurnTest {
  private static final int TOTAL = 2000;
  private static final int BATCH = 250;
  private static final int USERS = 20;
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    try (LineClient c = LineClient.connect(server.port())) {
      for (int u = 0; u < USERS; u++) {
        c.register("churn" + u, "pw" + u).expect("REGISTER_SUCCESS");
      }
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** What connection {@code i} does; null = nothing sent. */
  private static String firstLine(int i) {
    int user = (i / 10) % USERS;
    return switch (i % 10) {
      case 0 -> null;
      case 1, 2 -> "{\"command\":\"LOGIN\",\"username\":\"anonymous\"}";
      case 3, 4 -> "{\"command\":\"LOGIN\",\"username\":\"churn" + user + "\",\"secret\":\"pw" + user + "\"}";
      case 5 -> "{\"command\":\"LOGIN\",\"username\":\"anonymous\"}\n{\"command\":\"LOGOUT\"}";
      case 6 -> "{\"command\":\"LOGIN\",\"username\":\"churn" + user + "\",\"secret\":\"pw" + user + "\"}\n"
          + "{\"command\":\"LOGOUT\"}";
      case 7 -> "{\"command\":\"LOGIN\",\"username\":\"churn" + user + "\",\"secret\":\"wrong\"}";
      case 8 -> "not json";
      default -> "{\"command\":\"LOGIN\",\"username\":\"anonymous\"}\n"
          + "{\"command\":\"ACTIVITY_MESSAGE\",\"username\":\"anonymous\",\"activity\":{\"churn\":true}}";
    };
  }

  @Test
  void twoThousandConnectionsLeaveNothingBehind() throws Exception {
    long t0 = System.nanoTime();
    for (int start = 0; start < TOTAL; start += BATCH) {
      List<Socket> sockets = new ArrayList<>();
      List<BufferedReader> readers = new ArrayList<>();
      try {
        for (int i = start; i < start + BATCH; i++) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
          s.setSoTimeout(15_000);
          sockets.add(s);
          readers.add(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
          String line = firstLine(i);
          if (line != null) {
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
          }
        }
        // wait for each first answer, so the server really handled the connection before it goes
        for (int k = 0; k < sockets.size(); k++) {
          int i = start + k;
          if (firstLine(i) != null) {
            String reply = readers.get(k).readLine();
            assertTrue(reply != null, "connection " + i + " got an answer");
            String expected = switch (i % 10) {
              case 7 -> "LOGIN_FAILED";
              case 8 -> "INVALID_MESSAGE";
              default -> "LOGIN_SUCCESS";
            };
            assertEquals(expected, new JsonObject(reply).getString("command"), "connection " + i);
          }
        }
      } finally {
        for (Socket s : sockets) {
          try {
            s.close();
          } catch (IOException ignored) {
            // closing anyway
          }
        }
      }
    }
    JsonObject info = server.awaitInfo(i -> i.getInteger("load") == 0 && i.getInteger("sessionsHere") == 0,
        Duration.ofSeconds(20));
    assertEquals(info.getInteger("sessions"), info.getInteger("sessionsDetached"),
        "every remaining session is a named one, detached: " + info.encode());
    // a classic LOGIN takes over a detached session of its user, so sessions stay bounded by the
    // concurrency of one batch (at most 2 blocks of 3 named logins per user) rather than growing with the
    // number of logins (600)
    assertTrue(info.getInteger("sessions") <= 6 * USERS, info.encode());
    GatewayMetrics metrics = GatewayMetrics.of(server.vertx);
    await("the closes counted").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertEquals(0, metrics.open(GatewayMetrics.Transport.TCP), "no TCP connection counted open"));
    System.out.printf("churn: %d connections in %d ms; %s%n", TOTAL, (System.nanoTime() - t0) / 1_000_000,
        info.encode());
    // and the server still serves
    try (LineClient c = LineClient.connect(server.port())) {
      // (churn0's detached session hands over its backlog first)
      c.loginOk("churn0", "pw0");
      c.activity("churn0", "pw0", new JsonObject().put("after", true));
      c.nextMatching(m -> m.getJsonObject("activity").containsKey("after"), Duration.ofSeconds(10));
    }
  }

  @Test
  void hangingUpInTheMiddleOfLoginOrRegisterLeavesNothingBehind() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        sockets.add(s);
        int user = i % USERS;
        String line = switch (i % 3) {
          case 0 -> "{\"command\":\"LOGIN\",\"username\":\"anonymous\"}";
          case 1 -> "{\"command\":\"LOGIN\",\"username\":\"churn" + user + "\",\"secret\":\"pw" + user + "\"}";
          default -> "{\"command\":\"REGISTER\",\"username\":\"hangup" + i + "\",\"secret\":\"x\"}\n"
              + "{\"command\":\"LOGIN\",\"username\":\"hangup" + i + "\",\"secret\":\"x\"}";
        };
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        if (i % 2 == 0) {
          s.close(); // at once, before any answer
        }
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    JsonObject info = server.awaitInfo(i -> i.getInteger("load") == 0 && i.getInteger("sessionsHere") == 0,
        Duration.ofSeconds(20));
    assertEquals(info.getInteger("sessions"), info.getInteger("sessionsDetached"), info.encode());
    GatewayMetrics metrics = GatewayMetrics.of(server.vertx);
    await("the closes counted").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertEquals(0, metrics.open(GatewayMetrics.Transport.TCP), "no TCP connection counted open"));
  }
}
