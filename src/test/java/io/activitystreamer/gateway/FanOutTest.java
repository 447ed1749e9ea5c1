package io.activitystreamer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.WireClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every logged-in client receives every activity, each sender's in the order sent (G3, G4 on one
 * server), with the clients on Vert.x sockets (vertx-junit5); and a client that stops reading is cut
 * off while the others carry on (a plain socket that deliberately does not read).
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
class FanOutTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(new JsonObject().put("clientWriteQueueMaxBytes", 64 * 1024));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void twoClients(Vertx vertx, VertxTestContext ctx) {
    exchange(vertx, ctx, "two", 2, 200);
  }

  @Test
  void fiftyClients(Vertx vertx, VertxTestContext ctx) {
    exchange(vertx, ctx, "fifty", 50, 20);
  }

  /**
   * n clients (half named, half anonymous) log in, then each sends {@code perSender} activities at once;
   * each receiver's checkpoint is flagged once it has all of them, each sender's in order.
   */
  private static void exchange(Vertx vertx, VertxTestContext ctx, String prefix, int n, int perSender) {
    List<String> users = new ArrayList<>();
    List<Future<WireClient>> loggedIn = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String u = i % 2 == 0 ? prefix + "-" + i : "anonymous";
      String secret = i % 2 == 0 ? "pw" + i : null;
      users.add(u);
      loggedIn.add(WireClient.connect(vertx, server.port()).compose(c -> (secret == null
          ? c.loginOk(u, null) : c.registerAndLogin(u, secret)).map(c)));
    }
    Checkpoint receivedAll = ctx.checkpoint(n);
    Future.all(loggedIn).onComplete(ctx.succeeding(all -> {
      List<WireClient> clients = all.list();
      for (int r = 0; r < n; r++) {
        int receiver = r;
        int[] last = new int[n];
        int[] got = {0};
        clients.get(r).onMessage(m -> ctx.verify(() -> {
          assertEquals("ACTIVITY_BROADCAST", m.getString("command"), m.encode());
          JsonObject a = m.getJsonObject("activity");
          int from = a.getInteger("from");
          int seq = a.getInteger("seq");
          assertEquals(last[from] + 1, seq, "receiver " + receiver + ": sender " + from + " in order, no gap, no duplicate");
          assertEquals(users.get(from), a.getString("authenticated_user"));
          last[from] = seq;
          assertTrue(++got[0] <= n * perSender, "receiver " + receiver + ": nothing more than sent");
          if (got[0] == n * perSender) {
            clients.get(receiver).close().onComplete(v -> receivedAll.flag()); // its own sends are all back
          }
        }));
      }
      for (int from = 0; from < n; from++) {
        WireClient c = clients.get(from);
        String u = users.get(from);
        for (int k = 1; k <= perSender; k++) {
          c.activity(u, "anonymous".equals(u) ? null : "pw" + from,
              new JsonObject().put("from", from).put("seq", k).put("text", "message " + k + " from " + from));
        }
      }
    }));
  }

  @Test
  void aClientThatDoesNotReadIsDisconnectedAndOthersCarryOn() throws Exception {
    try (Socket slow = new Socket(); LineClient sender = LineClient.connect(server.port());
         LineClient watcher = LineClient.connect(server.port())) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
      slow.getOutputStream().write("{\"command\":\"LOGIN\",\"username\":\"anonymous\"}\n"
          .getBytes(StandardCharsets.UTF_8));
      slow.getOutputStream().flush();
      InputStream in = slow.getInputStream();
      // read exactly the LOGIN_SUCCESS line, then stop reading
      StringBuilder first = new StringBuilder();
      int b;
      while ((b = in.read()) != '\n' && b >= 0) {
        first.append((char) b);
      }
      assertTrue(first.toString().contains("LOGIN_SUCCESS"), first.toString());
      sender.loginOk("anonymous", null);
      watcher.loginOk("anonymous", null);
      String pad = "z".repeat(8000);
      int total = 0;
      // far more than the slow client's socket buffers plus the 64 KiB write queue; stop once it is cut off
      while (total < 2000) {
        for (int i = 0; i < 50; i++) {
          sender.activity("anonymous", null, new JsonObject().put("i", total++).put("pad", pad));
        }
        for (int i = total - 50; i < total; i++) {
          assertEquals(i, sender.nextActivity().getInteger("i"));
          assertEquals(i, watcher.nextActivity().getInteger("i"));
        }
        if (server.meshInfo().getInteger("load") == 2) {
          break;
        }
      }
      // the slow client was disconnected (awaitInfo fails if the load never drops back to 2)
      server.awaitInfo(i -> i.getInteger("load") == 2, Duration.ofSeconds(10));
      assertTrue(total < 2000, "cut off before 16 MB were queued for it");
      // its socket is closed by the server: reading drains what was buffered, then ends
      slow.setSoTimeout(10_000);
      long drained = 0;
      try {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
          drained += n;
        }
      } catch (SocketException e) {
        // reset: closed as well
      } catch (IOException e) {
        throw new AssertionError("the slow client's connection was not closed (read " + drained + ")", e);
      }
    }
  }
}
