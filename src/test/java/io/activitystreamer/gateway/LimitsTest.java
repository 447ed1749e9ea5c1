package io.activitystreamer.gateway;

import static io.activitystreamer.testing.LineClient.command;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.protocol.Usernames;
import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each abuse limit crossed once against a real in-JVM server: the documented answer, then close, and the
 * server still serving others. (The login timeout with many connections: LoginTimeoutTest; the REGISTER
 * flood: it/RegisterFloodTest.)
 */
@Timeout(60)
class LimitsTest {

  private static void stillServes(TestServer s) {
    try (LineClient c = LineClient.connect(s.port())) {
      c.loginOk("anonymous", null);
      c.activity("anonymous", null, new JsonObject().put("probe", 1));
      assertEquals(1, c.nextActivity().getInteger("probe"));
    }
  }

  /** Until a new connection logs in (the limit that refused one has let go). */
  private static void awaitServed(TestServer s, String why) {
    await(why).atMost(Duration.ofSeconds(10)).until(() -> {
      try (LineClient c = LineClient.connect(s.port())) {
        c.loginOk("anonymous", null);
        return true;
      } catch (AssertionError e) {
        return false;
      }
    });
  }

  @Test
  void maxConnectionsRefusesTheOneTooManyAndLetsOthersOn() {
    try (TestServer s = TestServer.start(new JsonObject().put("maxConnections", 4))) {
      List<LineClient> held = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          held.add(LineClient.connect(s.port()).loginOk("anonymous", null));
        }
        try (LineClient extra = LineClient.connect(s.port())) {
          JsonObject r = extra.expect("INVALID_MESSAGE");
          assertTrue(r.getString("info").contains("maxConnections") && r.getString("info").contains("4"), r.encode());
          extra.awaitClosed();
        }
        // the ones in keep being served
        held.get(0).activity("anonymous", null, new JsonObject().put("n", 1));
        for (LineClient c : held) {
          assertEquals(1, c.nextActivity().getInteger("n"));
        }
        held.remove(0).close();
      } finally {
        held.forEach(LineClient::close);
      }
      // once connections close there is room again (the close is seen a moment later)
      awaitServed(s, "a connection is accepted once others closed");
    }
  }

  @Test
  void maxConnectionsPerIpCountsLoopbackOnlyWhenAsked() {
    try (TestServer s = TestServer.start(new JsonObject().put("maxConnectionsPerIp", 2))) {
      List<LineClient> held = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        held.add(LineClient.connect(s.port()).loginOk("anonymous", null)); // loopback: no per-address limit
      }
      held.forEach(LineClient::close);
    }
    try (TestServer s = TestServer.start(new JsonObject().put("maxConnectionsPerIp", 2)
        .put("perIpLimitsOnLoopback", true))) {
      try (LineClient a = LineClient.connect(s.port()); LineClient b = LineClient.connect(s.port())) {
        a.loginOk("anonymous", null);
        b.loginOk("anonymous", null);
        try (LineClient c = LineClient.connect(s.port())) {
          JsonObject r = c.expect("INVALID_MESSAGE");
          assertTrue(r.getString("info").contains("maxConnectionsPerIp"), r.encode());
          c.awaitClosed();
        }
        a.activity("anonymous", null, new JsonObject().put("n", 2));
        assertEquals(2, b.nextActivity().getInteger("n"));
      }
    }
  }

  @Test
  void newConnectionsPerSecondFromOneAddressAreLimited() {
    try (TestServer s = TestServer.start(new JsonObject().put("maxConnectionRatePerIp", 1)
        .put("perIpLimitsOnLoopback", true))) {
      try (LineClient first = LineClient.connect(s.port()); LineClient second = LineClient.connect(s.port())) {
        // one per second, and the second follows the first at once: refused as it opens (nothing sent yet)
        JsonObject r = second.expect("INVALID_MESSAGE");
        assertTrue(r.getString("info").contains("maxConnectionRatePerIp"), r.encode());
        second.awaitClosed();
        first.loginOk("anonymous", null); // the first one is served
      }
      // a second later the bucket has refilled and the address is served again
      awaitServed(s, "a connection is admitted again");
    }
  }

  @Test
  void usernamePolicyOnTheWire() {
    try (TestServer s = TestServer.start()) {
      for (String bad : List.of("bell\u0007name", "rtl\u202eevil", "x".repeat(65), "Anonymous", "ANONYMOUS")) {
        try (LineClient c = LineClient.connect(s.port())) {
          JsonObject r = c.register(bad, "pw").expect("REGISTER_FAILED");
          assertTrue(r.getString("info").endsWith(Usernames.RULE), bad + ": " + r.encode());
          assertTrue(!r.getString("info").contains(bad), "the refusal does not repeat the name: " + r.encode());
          c.awaitClosed();
        }
      }
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("anonymous", "x").expect("REGISTER_FAILED", "anonymous is already registered with the system");
      }
      // NFC: registered decomposed, the NFC form is the name; either form logs in and sends as it
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("e\u0301lodie", "pw").expect("REGISTER_SUCCESS", "register success for \u00e9lodie");
        c.login("\u00e9lodie", "pw").expect("LOGIN_SUCCESS");
        c.activity("e\u0301lodie", "pw", new JsonObject().put("t", 1));
        assertEquals("\u00e9lodie", c.nextActivity().getString("authenticated_user"));
      }
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("\u00e9lodie", "other").expect("REGISTER_FAILED", "\u00e9lodie is already registered with the system");
      }
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("x".repeat(64), "pw").expect("REGISTER_SUCCESS");
      }
      stillServes(s);
    }
  }

  @Test
  void activityRateLimit() {
    try (TestServer s = TestServer.start(new JsonObject().put("activityRateLimit", 20));
         LineClient watcher = LineClient.connect(s.port())) {
      watcher.loginOk("anonymous", null);
      try (LineClient c = LineClient.connect(s.port())) {
        c.loginOk("anonymous", null);
        for (int i = 0; i < 100; i++) {
          if (!c.trySendBytes((command("ACTIVITY_MESSAGE").put("username", "anonymous")
              .put("activity", new JsonObject().put("i", i)).encode() + "\n").getBytes())) {
            break;
          }
        }
        JsonObject r = c.nextMatching(m -> !"ACTIVITY_BROADCAST".equals(m.getString("command")), Duration.ofSeconds(10));
        assertEquals("INVALID_MESSAGE", r.getString("command"), r.encode());
        assertTrue(r.getString("info").startsWith("rate limit") && r.getString("info").contains("20"), r.encode());
        c.awaitClosedIgnoringLines(Duration.ofSeconds(10));
      }
      // what was accepted is exactly what went out, in order: the burst of 20 (a few more refilled meanwhile)
      int n = 0;
      while (!watcher.quietFor(Duration.ofMillis(300))) {
        assertEquals(n++, watcher.nextActivity().getInteger("i"));
      }
      assertTrue(n >= 20 && n < 100, "accepted " + n);
      // a sender within the limit is never cut off
      try (LineClient c = LineClient.connect(s.port())) {
        c.loginOk("anonymous", null);
        for (int i = 0; i < 15; i++) {
          c.activity("anonymous", null, new JsonObject().put("ok", i));
          assertEquals(i, c.nextActivity().getInteger("ok"));
        }
      }
    }
  }

  @Test
  void failuresAreAnsweredLaterAndLaterUntilASuccess() {
    try (TestServer s = TestServer.start(new JsonObject().put("failureDelayMaxMillis", 800)
        .put("perIpLimitsOnLoopback", true))) {
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("ann", "right").expect("REGISTER_SUCCESS");
      }
      long[] expected = {100, 200, 400, 800, 800};
      for (long min : expected) {
        long ms = timedLogin(s, "ann", "wrong", "LOGIN_FAILED");
        assertTrue(ms >= min - 15, "failure answered after " + ms + " ms, expected at least " + min);
      }
      // another name from the same address is delayed as much (the address counts)
      assertTrue(timedLogin(s, "nobody", "x", "LOGIN_FAILED") >= 785);
      long ok = timedLogin(s, "ann", "right", "LOGIN_SUCCESS");
      assertTrue(ok < 700, "a success is never delayed: " + ok + " ms");
      long after = timedLogin(s, "ann", "wrong", "LOGIN_FAILED");
      assertTrue(after >= 85 && after < 700, "reset by the success: " + after + " ms");
      stillServes(s);
    }
  }

  private static long timedLogin(TestServer s, String user, String secret, String expect) {
    try (LineClient c = LineClient.connect(s.port())) {
      long t0 = System.nanoTime();
      c.login(user, secret).expect(expect);
      return (System.nanoTime() - t0) / 1_000_000;
    }
  }

  @Test
  void hashingQueueFullIsBusyButLoginsGoFirst() throws Exception {
    // one hashing thread, two waiting: slow hashes pile up at once
    try (TestServer s = TestServer.start(new JsonObject().put("hashThreads", 1).put("hashQueueMax", 2)
        .put("secretHashIterations", 200_000).put("failureDelayMaxMillis", 0))) {
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("ann", "pw").expect("REGISTER_SUCCESS", Duration.ofSeconds(30));
      }
      List<LineClient> flood = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          flood.add(LineClient.connect(s.port()).register("flood" + i, "pw"));
        }
        // while REGISTERs fill the queue, a LOGIN takes the place of one and succeeds
        CompletableFuture<JsonObject> login = CompletableFuture.supplyAsync(() -> {
          try (LineClient c = LineClient.connect(s.port())) {
            return c.login("ann", "pw").next(Duration.ofSeconds(30));
          }
        });
        // a taken name is answered without hashing, the queue full or not
        try (LineClient c = LineClient.connect(s.port())) {
          c.register("ann", "again").expect("REGISTER_FAILED", "ann is already registered with the system");
        }
        int busy = 0;
        int ok = 0;
        for (LineClient c : flood) {
          JsonObject r = c.next(Duration.ofSeconds(30));
          if ("REGISTER_FAILED".equals(r.getString("command"))) {
            assertEquals("server busy, try again", r.getString("info"));
            busy++;
          } else {
            assertEquals("REGISTER_SUCCESS", r.getString("command"), r.encode());
            ok++;
          }
        }
        assertTrue(busy > 0 && ok > 0, busy + " busy, " + ok + " registered");
        assertEquals("LOGIN_SUCCESS", login.get(30, TimeUnit.SECONDS).getString("command"));
      } finally {
        flood.forEach(LineClient::close);
      }
      stillServes(s);
    }
  }

  @Test
  void backlogBoundedInBytes() {
    try (TestServer s = TestServer.start(new JsonObject().put("maxBacklogBytes", 4096))) {
      try (LineClient ann = LineClient.connect(s.port())) {
        ann.registerAndLogin("ann", "pw");
      } // ann's session is detached: what comes now is kept for her, within 4096 bytes of lines
      s.awaitInfo(i -> i.getInteger("sessionsDetached") == 1, Duration.ofSeconds(10));
      String pad = "p".repeat(300);
      try (LineClient bob = LineClient.connect(s.port())) {
        bob.loginOk("anonymous", null);
        for (int i = 1; i <= 10; i++) {
          bob.activity("anonymous", null, new JsonObject().put("n", i).put("pad", pad));
          assertEquals(i, bob.nextActivity().getInteger("n"));
        }
      }
      JsonObject info = s.awaitInfo(i -> i.getLong("backlogDropped") > 0, Duration.ofSeconds(10));
      assertTrue(info.getLong("backlogBytes") <= 4096, info.encode());
      try (LineClient ann = LineClient.connect(s.port())) {
        ann.loginOk("ann", "pw");
        List<Integer> got = new ArrayList<>();
        while (!ann.quietFor(Duration.ofMillis(500))) {
          got.add(ann.nextActivity().getInteger("n"));
        }
        assertTrue(!got.isEmpty() && got.size() < 10 && got.get(got.size() - 1) == 10, "kept the newest: " + got);
      }
    }
  }

  @Test
  void unknownNamesTakeAsLongAsWrongSecrets() {
    // a hash long enough to measure, no failure delays: what is left is the work done for each answer
    try (TestServer s = TestServer.start(new JsonObject().put("secretHashIterations", 150_000)
        .put("failureDelayMaxMillis", 0))) {
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("ann", "right").expect("REGISTER_SUCCESS", Duration.ofSeconds(30));
      }
      List<Long> unknown = new ArrayList<>();
      List<Long> wrong = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        unknown.add(timedLogin(s, "nobody" + i, "x", "LOGIN_FAILED"));
        wrong.add(timedLogin(s, "ann", "wrong", "LOGIN_FAILED"));
      }
      long u = median(unknown);
      long w = median(wrong);
      assertTrue(w >= 5, "the hash takes measurable time: " + wrong);
      assertTrue(u * 2 >= w && w * 2 >= u, "unknown " + unknown + " vs wrong secret " + wrong);
    }
  }

  private static long median(List<Long> xs) {
    List<Long> sorted = new ArrayList<>(xs);
    java.util.Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
