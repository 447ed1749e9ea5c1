package io.activitystreamer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * loginTimeoutMillis: 1,500 connections that never send a byte are each answered INVALID_MESSAGE naming
 * the limit and closed, not before the timeout and soon after it; a client that logged in in time stays,
 * and the server serves a new client afterwards.
 */
@Timeout(60)
class LoginTimeoutTest {
  private static final int IDLE = 1500;
  private static final long TIMEOUT = 2000;

  @Test
  void idleConnectionsAreClosedOnTime() throws Exception {
    try (TestServer s = TestServer.start(new JsonObject().put("loginTimeoutMillis", (int) TIMEOUT));
         LineClient early = LineClient.connect(s.port())) {
      early.loginOk("anonymous", null);
      List<Socket> idle = new ArrayList<>();
      long[] openedAt = new long[IDLE];
      try {
        for (int i = 0; i < IDLE; i++) {
          Socket sock = new Socket();
          sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000);
          openedAt[i] = System.nanoTime();
          idle.add(sock);
        }
        long lastOpened = System.nanoTime();
        int closedOnTime = 0;
        for (int i = 0; i < IDLE; i++) {
          Socket sock = idle.get(i);
          // a deadline: the answer must come within the timeout plus a generous slack for 2 busy cores
          long left = TIMEOUT + 8000 - (System.nanoTime() - openedAt[i]) / 1_000_000;
          sock.setSoTimeout((int) Math.max(1, left));
          String all = readToEnd(sock.getInputStream());
          long after = (System.nanoTime() - openedAt[i]) / 1_000_000;
          assertTrue(after >= TIMEOUT - 50, "connection " + i + " closed after " + after + " ms, before the timeout");
          String expected = new JsonObject().put("command", "INVALID_MESSAGE")
              .put("info", "no LOGIN within " + TIMEOUT + " ms of connecting (loginTimeoutMillis)").encode() + "\n";
          assertEquals(expected, all, "connection " + i);
          closedOnTime++;
        }
        assertEquals(IDLE, closedOnTime);
        assertTrue((System.nanoTime() - lastOpened) / 1_000_000 < TIMEOUT + 8000, "all closed within the slack");
      } finally {
        for (Socket sock : idle) {
          sock.close();
        }
      }
      // logged in in time: still there and served
      early.activity("anonymous", null, new JsonObject().put("still", true));
      assertEquals(true, early.nextActivity().getBoolean("still"));
      try (LineClient c = LineClient.connect(s.port())) {
        c.loginOk("anonymous", null);
      }
      assertTrue(s.meshInfo().getInteger("load") >= 1);
    }
  }

  private static String readToEnd(InputStream in) throws IOException {
    byte[] all = in.readAllBytes();
    return new String(all, StandardCharsets.UTF_8);
  }
}
