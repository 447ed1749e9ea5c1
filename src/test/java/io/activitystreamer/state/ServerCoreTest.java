package io.activitystreamer.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decisions {@link ServerCore} took over from StateVerticle, on in-memory servers that run nothing
 * else: a LOGIN that waits for the login sync and is cancelled by its connection's close, the freeze of
 * an anonymous resume client (its token, the load), and LOGOUT.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerCoreTest {
  private InMemoryMesh net;
  private Node a;
  private Node b;

  private void twoServers() {
    net = InMemoryMesh.standard(1);
    a = net.start("a");
    b = net.join("b", a);
    net.runUntil(net::converged, 3000, "b joined");
  }

  @Test
  void aWaitingLoginIsFailedWhenItsConnectionClosesAndNeverAnsweredAfter() {
    twoServers();
    net.runUntil(() -> b.register("u").get() != null, 3000, "u registered");
    AtomicReference<LoginResult> loggedIn = a.loginWhenReady("u", null);
    net.runUntil(() -> loggedIn.get() != null, 1000, "the login sync answered");
    LoginResult onA = loggedIn.get();
    assertNotNull(onA, "the session is attached on a");
    AtomicReference<Object> answer = new AtomicReference<>();
    a.holdWrites(true); // a's detach is not on its way yet: b's LOGIN waits for it
    a.detach(onA.sessionId());
    b.core.login(answer::set, "u", false, null, "conn-1", net.now());
    b.afterInput();
    assertNull(answer.get(), "waits for a's detach");
    assertEquals(1, b.core.pendingLogins());
    b.core.cancelLogin("conn-1");
    assertEquals(BusError.UNAVAILABLE, answer.get(), "failed at once: the client is gone");
    answer.set(null);
    a.holdWrites(false);
    net.run(3000);
    assertNull(answer.get(), "a cancelled LOGIN is never answered (its session stays for the user's next connection)");
    assertEquals(0, b.core.pendingLogins());
  }

  @Test
  void theFreezeOfAnAnonymousResumeClientAnswersWithItsTokenAndGivesUpItsLoad() {
    twoServers();
    AtomicReference<Object> login = new AtomicReference<>();
    a.core.login(login::set, "anonymous", true, new JsonObject(), "conn-7", net.now());
    a.afterInput();
    LoginResult r = assertInstanceOf(LoginResult.class, login.get());
    assertEquals(1, a.core.load());
    AtomicReference<Object> frozen = new AtomicReference<>();
    a.core.freeze(frozen::set, r.sessionId(), new JsonObject().put("hostname", b.host).put("port", b.port),
        net.now());
    a.afterInput();
    JsonObject token = ((JsonObject) frozen.get()).getJsonObject("resume");
    assertTrue(token.getString("token").startsWith(a.id + "~"), token.encode());
    assertEquals(30_000L, token.getLong("expiresInMillis"));
    assertEquals(0, a.core.load(), "leaving: counted at its target from now on");
    net.deliverAll();
    assertTrue(b.state.resumesMove(new JsonObject().put("token", token.getString("token")), net.now()),
        "the moving session is known at the target");
    a.core.detach(r.sessionId(), true, true, net.now(), true, null);
    assertEquals(0, a.core.load(), "a redirected connection left the load at the freeze, not twice");
  }

  @Test
  void logoutEndsTheSessionEverywhereAndItsLoad() {
    twoServers();
    net.runUntil(() -> a.register("v").get() != null, 3000, "v registered");
    AtomicReference<LoginResult> loggedIn = a.loginWhenReady("v", null);
    net.runUntil(() -> loggedIn.get() != null, 1000, "the login sync answered");
    LoginResult s = loggedIn.get();
    assertEquals(1, a.core.load());
    a.core.logout(s.sessionId());
    a.afterInput();
    net.deliverAll();
    assertEquals(0, a.core.load());
    assertTrue(!b.state.sessions().containsKey(s.sessionId()), "closed on b too");
  }
}
