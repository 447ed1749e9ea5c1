package io.activitystreamer.gateway;

import static io.activitystreamer.testing.LineClient.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The resume extension and the backlog on one server, on the wire. */
@Timeout(60)
class ResumeWireTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonObject resumeLogin(LineClient c, String user, String secret, JsonObject resume) {
    return c.send(command("LOGIN").put("username", user).put("secret", secret).put("resume", resume))
        .expect("LOGIN_SUCCESS");
  }

  private static void send(LineClient c, String user, String secret, int n) {
    c.activity(user, secret, new JsonObject().put("n", n));
  }

  @Test
  void resumeAfterADisconnectGetsExactlyWhatWasMissed() {
    try (LineClient sender = LineClient.connect(server.port())) {
      sender.registerAndLogin("rs-sender", "s");
      String session;
      JsonObject received = new JsonObject();
      try (LineClient c = LineClient.connect(server.port())) {
        c.register("rs-reader", "r").expect("REGISTER_SUCCESS");
        JsonObject ok = resumeLogin(c, "rs-reader", "r", new JsonObject());
        session = ok.getString("session");
        assertNotNull(session, ok.encode());
        assertEquals(0L, ok.getLong("lastSeq"));
        assertEquals(0L, ok.getLong("dropped"));
        assertTrue(ok.getJsonArray("members").size() >= 1, ok.encode());
        for (int n = 1; n <= 3; n++) {
          send(sender, "rs-sender", "s", n);
          assertEquals(n, sender.nextActivity().getInteger("n"));
          JsonObject b = c.expect("ACTIVITY_BROADCAST");
          assertEquals(n, b.getJsonObject("activity").getInteger("n"));
          JsonObject eid = b.getJsonObject("eid");
          received.put(eid.getString("origin"), eid.getLong("n"));
        }
      }
      for (int n = 4; n <= 8; n++) {
        send(sender, "rs-sender", "s", n);
        assertEquals(n, sender.nextActivity().getInteger("n"));
      }
      try (LineClient c = LineClient.connect(server.port())) {
        JsonObject ok = resumeLogin(c, "rs-reader", "r", new JsonObject().put("session", session)
            .put("received", received));
        assertEquals(session, ok.getString("session"));
        for (int n = 4; n <= 8; n++) {
          assertEquals(n, c.nextActivity().getInteger("n"), "exactly the missed ones, in order");
        }
        send(sender, "rs-sender", "s", 9);
        assertEquals(9, c.nextActivity().getInteger("n"));
      }
    }
  }

  @Test
  void classicReloginGetsTheBacklogAtLeastOnce() {
    try (LineClient sender = LineClient.connect(server.port())) {
      sender.registerAndLogin("cl-sender", "s");
      try (LineClient c = LineClient.connect(server.port())) {
        c.registerAndLogin("cl-reader", "r");
        send(sender, "cl-sender", "s", 1);
        assertEquals(1, c.nextActivity().getInteger("n"));
      }
      sender.nextActivity();
      server.awaitInfo(i -> i.getInteger("sessionsDetached") >= 1, Duration.ofSeconds(10));
      for (int n = 2; n <= 4; n++) {
        send(sender, "cl-sender", "s", n);
        assertEquals(n, sender.nextActivity().getInteger("n"));
      }
      try (LineClient c = LineClient.connect(server.port())) {
        c.loginOk("cl-reader", "r");
        int expected = 2;
        while (expected <= 4) {
          int n = c.nextActivity().getInteger("n");
          if (n == 1) {
            continue; // within the redeliver window: a duplicate is allowed for classic clients
          }
          assertEquals(expected++, n);
        }
      }
    }
  }

  @Test
  void resumingAnAttachedSessionTakesItOver() {
    try (LineClient first = LineClient.connect(server.port()); LineClient second = LineClient.connect(server.port())) {
      first.register("rs-twice", "t").expect("REGISTER_SUCCESS");
      String session = resumeLogin(first, "rs-twice", "t", new JsonObject()).getString("session");
      JsonObject ok = resumeLogin(second, "rs-twice", "t", new JsonObject().put("session", session));
      assertEquals(session, ok.getString("session"));
      first.expect("INVALID_MESSAGE");
      first.awaitClosed();
      send(second, "rs-twice", "t", 1);
      assertEquals(1, second.nextActivity().getInteger("n"));
    }
  }

  @Test
  void anonymousResumeLogin() {
    try (LineClient c = LineClient.connect(server.port())) {
      JsonObject ok = c.send(command("LOGIN").put("username", "anonymous").put("resume", new JsonObject()))
          .expect("LOGIN_SUCCESS");
      assertNotNull(ok.getString("session"), ok.encode());
      c.send(command("ACTIVITY_MESSAGE").put("username", "anonymous").put("seq", 1)
          .put("activity", new JsonObject().put("n", 1)));
      JsonObject b = c.expect("ACTIVITY_BROADCAST");
      assertNotNull(b.getJsonObject("eid"), b.encode());
    }
  }

  @Test
  void logoutEndsTheSessionSoNothingIsOwed() {
    try (LineClient sender = LineClient.connect(server.port())) {
      sender.registerAndLogin("lo-sender", "s");
      try (LineClient c = LineClient.connect(server.port())) {
        c.registerAndLogin("lo-reader", "r");
        c.send(command("LOGOUT"));
        c.awaitClosed();
      }
      send(sender, "lo-sender", "s", 1);
      sender.nextActivity();
      try (LineClient c = LineClient.connect(server.port())) {
        c.loginOk("lo-reader", "r");
        send(sender, "lo-sender", "s", 2);
        assertEquals(2, c.nextActivity().getInteger("n"), "activity 1 was sent after LOGOUT: not owed");
      }
    }
  }

  @Test
  void twoClassicConnectionsOfOneUserEachKeepTheirSession() {
    try (LineClient sender = LineClient.connect(server.port())) {
      sender.registerAndLogin("dev-sender", "s");
      try (LineClient phone = LineClient.connect(server.port()); LineClient laptop = LineClient.connect(server.port())) {
        phone.registerAndLogin("dev-user", "u");
        laptop.loginOk("dev-user", "u");
        int detachedBefore = server.meshInfo().getInteger("sessionsDetached");
        send(sender, "dev-sender", "s", 1);
        sender.nextActivity();
        assertEquals(1, phone.nextActivity().getInteger("n"));
        assertEquals(1, laptop.nextActivity().getInteger("n"));
        phone.close();
        // the phone's session stays open, detached, and owed what comes next
        server.awaitInfo(i -> i.getInteger("sessionsDetached") == detachedBefore + 1, Duration.ofSeconds(10));
        for (int n = 2; n <= 3; n++) {
          send(sender, "dev-sender", "s", n);
          sender.nextActivity();
          assertEquals(n, laptop.nextActivity().getInteger("n"));
        }
        try (LineClient phoneAgain = LineClient.connect(server.port())) {
          phoneAgain.loginOk("dev-user", "u");
          int expected = 2;
          while (expected <= 3) {
            int n = phoneAgain.nextActivity().getInteger("n");
            if (n != 1) {
              assertEquals(expected++, n);
            }
          }
        }
        // the laptop was not disturbed
        send(laptop, "dev-user", "u", 4);
        assertEquals(4, laptop.nextActivity().getInteger("n"));
      }
    }
  }
}
