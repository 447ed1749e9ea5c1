package io.activitystreamer.gateway;

import static io.activitystreamer.testing.LineClient.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every client command and reply of PROTOCOL.md section 2, over real sockets to one server. */
@Timeout(60)
class ClientProtocolTest {
  private static TestServer server;
  private static final AtomicInteger NAMES = new AtomicInteger();

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String fresh(String prefix) {
    return prefix + NAMES.incrementAndGet();
  }

  private static LineClient connect() {
    return LineClient.connect(server.port());
  }

  @Test
  void registerSucceedsThenLoginOnTheSameConnection() {
    String u = fresh("alice");
    try (LineClient c = connect()) {
      c.register(u, "pw").expect("REGISTER_SUCCESS", "register success for " + u);
      c.login(u, "pw").expect("LOGIN_SUCCESS", "logged in as user " + u);
      assertTrue(c.quietFor(Duration.ofMillis(100)), "nothing more after LOGIN_SUCCESS on a single server");
    }
  }

  @Test
  void unknownOrOddlyTypedExtensionFieldsAreIgnored() {
    String u = fresh("extra");
    try (LineClient c = connect()) {
      c.register(u, "pw").expect("REGISTER_SUCCESS");
      JsonObject ok = c.send(command("LOGIN").put("username", u).put("secret", "pw").put("version", 2)
          .put("resume", false)).expect("LOGIN_SUCCESS", "logged in as user " + u);
      assertFalse(ok.containsKey("session"), "a resume that is not an object is not a resume request");
    }
    try (LineClient c = connect()) {
      c.send(command("LOGIN").put("username", "anonymous").put("resume", new JsonObject()
          .put("session", 7).put("received", new JsonObject().put("x", "y")))).expect("LOGIN_SUCCESS");
      c.send(command("ACTIVITY_MESSAGE").put("username", "anonymous").put("seq", "one").put("extra", true)
          .put("activity", new JsonObject().put("n", 1)));
      JsonObject b = c.expect("ACTIVITY_BROADCAST");
      assertEquals(1, b.getJsonObject("activity").getInteger("n"));
    }
  }

  @Test
  void registerOfAnExistingNameFailsAndCloses() {
    String u = fresh("taken");
    try (LineClient c = connect()) {
      c.register(u, "pw").expect("REGISTER_SUCCESS");
    }
    try (LineClient c = connect()) {
      c.register(u, "other").expect("REGISTER_FAILED", u + " is already registered with the system");
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.register("anonymous", "x").expect("REGISTER_FAILED", "anonymous is already registered with the system");
      c.awaitClosed();
    }
  }

  @Test
  void registerTwiceOnOneConnection() {
    String u = fresh("twice");
    try (LineClient c = connect()) {
      c.register(u, "pw").expect("REGISTER_SUCCESS");
      c.register(u, "pw").expect("REGISTER_FAILED", u + " is already registered with the system");
      c.awaitClosed();
    }
  }

  @Test
  void registerWhileLoggedInIsInvalid() {
    String u = fresh("reglogged");
    try (LineClient c = connect()) {
      c.registerAndLogin(u, "pw");
      c.register(fresh("other"), "pw").expect("INVALID_MESSAGE");
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.loginOk("anonymous", null);
      c.register(fresh("other"), "pw").expect("INVALID_MESSAGE");
      c.awaitClosed();
    }
  }

  @Test
  void loginWhileLoggedInIsInvalid() {
    try (LineClient c = connect()) {
      c.loginOk("anonymous", null);
      c.login("anonymous", null).expect("INVALID_MESSAGE");
      c.awaitClosed();
    }
  }

  @Test
  void anonymousLogin() {
    try (LineClient c = connect()) {
      c.login("anonymous", null).expect("LOGIN_SUCCESS", "logged in as user anonymous");
    }
    try (LineClient c = connect()) {
      c.send(command("LOGIN").put("username", "anonymous").putNull("secret"))
          .expect("LOGIN_SUCCESS", "logged in as user anonymous");
    }
  }

  @Test
  void loginOfAnUnknownUserFailsAndCloses() {
    try (LineClient c = connect()) {
      JsonObject r = c.login(fresh("nobody"), "pw").expect("LOGIN_FAILED");
      assertTrue(r.getString("info").length() > 0);
      c.awaitClosed();
    }
  }

  @Test
  void loginWithAWrongSecretFailsAndCloses() {
    String u = fresh("bob");
    try (LineClient c = connect()) {
      c.register(u, "right").expect("REGISTER_SUCCESS");
    }
    try (LineClient c = connect()) {
      JsonObject r = c.login(u, "wrong").expect("LOGIN_FAILED");
      assertFalse(r.getString("info").contains("right"), "never echo secrets");
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.loginOk(u, "right");
    }
  }

  @Test
  void logoutClosesTheConnection() {
    try (LineClient c = connect()) {
      c.send(command("LOGOUT"));
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.loginOk("anonymous", null);
      c.send(command("LOGOUT"));
      c.awaitClosed();
    }
    String u = fresh("leaver");
    try (LineClient c = connect()) {
      c.registerAndLogin(u, "pw");
      c.send(command("LOGOUT"));
      c.awaitClosed();
    }
  }

  @Test
  void activityIsStampedAndEchoedToTheSender() {
    String u = fresh("carol");
    try (LineClient c = connect()) {
      c.registerAndLogin(u, "pw");
      c.activity(u, "pw", new JsonObject().put("text", "hello").put("n", 1)
          .put("authenticated_user", "forged"));
      JsonObject a = c.nextActivity();
      assertEquals("hello", a.getString("text"));
      assertEquals(1, a.getInteger("n"));
      assertEquals(u, a.getString("authenticated_user"), "the server's stamp replaces a forged one");
    }
  }

  @Test
  void anonymousActivityWithAndWithoutSecret() {
    try (LineClient c = connect()) {
      c.loginOk("anonymous", null);
      c.send(command("ACTIVITY_MESSAGE").put("username", "anonymous").put("activity", new JsonObject().put("a", 1)));
      assertEquals("anonymous", c.nextActivity().getString("authenticated_user"));
      c.send(command("ACTIVITY_MESSAGE").put("username", "anonymous").putNull("secret")
          .put("activity", new JsonObject().put("a", 2)));
      assertEquals(2, c.nextActivity().getInteger("a"));
    }
  }

  @Test
  void activityReachesOtherLoggedInClientsButNotNewConnections() {
    String u = fresh("dave");
    try (LineClient sender = connect(); LineClient watcher = connect(); LineClient stranger = connect()) {
      sender.registerAndLogin(u, "pw");
      watcher.loginOk("anonymous", null);
      sender.activity(u, "pw", new JsonObject().put("text", "to all"));
      assertEquals("to all", sender.nextActivity().getString("text"));
      JsonObject got = watcher.nextActivity();
      assertEquals("to all", got.getString("text"));
      assertEquals(u, got.getString("authenticated_user"));
      // a connection that has not logged in receives nothing; it is still served afterwards
      stranger.login("anonymous", null);
      JsonObject first = stranger.next();
      assertEquals("LOGIN_SUCCESS", first.getString("command"), "no broadcast before LOGIN: " + first);
    }
  }

  @Test
  void activityBeforeLoginIsAnAuthenticationFailure() {
    try (LineClient c = connect()) {
      c.activity("anonymous", null, new JsonObject().put("x", 1)).expect("AUTHENTICATION_FAIL");
      c.awaitClosed();
    }
  }

  @Test
  void activityWithAWrongSecretIsAnAuthenticationFailure() {
    String u = fresh("erin");
    try (LineClient c = connect()) {
      c.registerAndLogin(u, "pw");
      JsonObject r = c.activity(u, "nope", new JsonObject().put("x", 1)).expect("AUTHENTICATION_FAIL");
      assertFalse(r.getString("info").contains("pw"), r.encode());
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.loginOk(u, "pw");
      c.send(command("ACTIVITY_MESSAGE").put("username", u).put("activity", new JsonObject()))
          .expect("AUTHENTICATION_FAIL");
      c.awaitClosed();
    }
  }

  @Test
  void activityWithAnotherUsernameIsAnAuthenticationFailure() {
    String u = fresh("frank");
    String v = fresh("grace");
    try (LineClient c = connect()) {
      c.register(v, "pw").expect("REGISTER_SUCCESS");
      c.registerAndLogin(u, "pw");
      c.activity(v, "pw", new JsonObject().put("x", 1)).expect("AUTHENTICATION_FAIL");
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.loginOk("anonymous", null);
      c.activity(u, "pw", new JsonObject().put("x", 1)).expect("AUTHENTICATION_FAIL");
      c.awaitClosed();
    }
    try (LineClient c = connect()) {
      c.loginOk(u, "pw");
      c.activity("anonymous", null, new JsonObject().put("x", 1)).expect("AUTHENTICATION_FAIL");
      c.awaitClosed();
    }
  }

  @Test
  void activityMissingOrNotAnObjectIsInvalid() {
    Object[] bad = {null, "text", 5, new io.vertx.core.json.JsonArray().add(1), true};
    for (Object activity : bad) {
      try (LineClient c = connect()) {
        c.loginOk("anonymous", null);
        JsonObject m = command("ACTIVITY_MESSAGE").put("username", "anonymous");
        if (activity != null) {
          m.put("activity", activity);
        }
        JsonObject r = c.send(m).expect("INVALID_MESSAGE");
        assertTrue(r.getString("info").contains("activity"), r.encode());
        c.awaitClosed();
      }
    }
  }

  @Test
  void extraFieldsAreIgnored() {
    String u = fresh("hank");
    try (LineClient c = connect()) {
      c.send(command("REGISTER").put("username", u).put("secret", "pw").put("x", new JsonObject().put("y", 1)))
          .expect("REGISTER_SUCCESS");
      c.send(command("LOGIN").put("username", u).put("secret", "pw").put("client", "old"))
          .expect("LOGIN_SUCCESS");
      c.send(command("ACTIVITY_MESSAGE").put("username", u).put("secret", "pw").put("ts", 123)
          .put("activity", new JsonObject().put("k", "v")));
      assertEquals("v", c.nextActivity().getString("k"));
    }
  }

  @Test
  void pipelinedCommandsAreAnsweredInOrder() {
    String u = fresh("ivy");
    StringBuilder all = new StringBuilder();
    all.append(command("REGISTER").put("username", u).put("secret", "pw").encode()).append("\r\n");
    all.append(command("LOGIN").put("username", u).put("secret", "pw").encode()).append("\n");
    for (int i = 0; i < 5; i++) {
      all.append(command("ACTIVITY_MESSAGE").put("username", u).put("secret", "pw")
          .put("activity", new JsonObject().put("i", i)).encode()).append("\n");
    }
    all.append(command("LOGOUT").encode()).append("\n");
    try (LineClient c = connect()) {
      c.sendRaw(all.toString());
      c.expect("REGISTER_SUCCESS");
      c.expect("LOGIN_SUCCESS");
      for (int i = 0; i < 5; i++) {
        assertEquals(i, c.nextActivity().getInteger("i"));
      }
      c.awaitClosed();
    }
  }

  @Test
  void loggedOutOrDisconnectedClientsLeaveNoLoad() {
    try (LineClient c = connect()) {
      c.loginOk("anonymous", null);
    }
    JsonObject info = server.awaitInfo(i -> i.getInteger("load") == 0, Duration.ofSeconds(10));
    assertNull(info.getValue("error"));
  }

  @Test
  void resendsOfAnAcceptedSeqAreDroppedWithoutStallingTheConnection() {
    String u = fresh("resender");
    try (LineClient c = connect()) {
      c.register(u, "pw").expect("REGISTER_SUCCESS");
      c.send(command("LOGIN").put("username", u).put("secret", "pw").put("resume", new JsonObject()))
          .expect("LOGIN_SUCCESS");
      StringBuilder burst = new StringBuilder();
      JsonObject first = command("ACTIVITY_MESSAGE").put("username", u).put("secret", "pw").put("seq", 1)
          .put("activity", new JsonObject().put("n", 1));
      // more resends than maxInFlightPerClient (1024): none may hold a credit
      for (int i = 0; i < 1100; i++) {
        burst.append(first.encode()).append('\n');
      }
      burst.append(first.copy().put("seq", 2).put("activity", new JsonObject().put("n", 2)).encode()).append('\n');
      c.sendRaw(burst.toString());
      JsonObject a1 = c.expect("ACTIVITY_BROADCAST");
      assertEquals(1, a1.getJsonObject("activity").getInteger("n"));
      assertTrue(a1.containsKey("eid"), "a resume client's broadcasts carry eid: " + a1);
      assertEquals(2, c.nextActivity().getInteger("n"), "the resends of seq 1 were dropped");
      // the connection still reads: the dropped resends took no credit
      c.send(first.copy().put("seq", 3).put("activity", new JsonObject().put("n", 3)));
      assertEquals(3, c.nextActivity().getInteger("n"));
    }
  }

  @Test
  void activitiesSentBeforeLogoutAreEchoedBeforeTheClose() {
    String u = fresh("bye");
    try (LineClient c = connect()) {
      c.registerAndLogin(u, "pw");
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        b.append(command("ACTIVITY_MESSAGE").put("username", u).put("secret", "pw")
            .put("activity", new JsonObject().put("i", i)).encode()).append('\n');
      }
      b.append(command("LOGOUT").encode()).append('\n');
      c.sendRaw(b.toString());
      for (int i = 0; i < 20; i++) {
        assertEquals(i, c.nextActivity().getInteger("i"));
      }
      c.awaitClosed();
    }
  }
}
