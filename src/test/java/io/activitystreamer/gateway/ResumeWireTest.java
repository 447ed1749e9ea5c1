package io.activitystreamer.gateway;

import static io.activitystreamer.testing.WireClient.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.WireClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The resume extension and the backlog on one server, on the wire, with the clients on Vert.x sockets
 * (vertx-junit5): each scenario is one chain of futures; an assertion that fails in it fails the chain
 * and so the test.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ResumeWireTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Future<WireClient> connect(Vertx vertx) {
    return WireClient.connect(vertx, server.port());
  }

  private static Future<WireClient> loggedIn(Vertx vertx, String user, String secret, boolean register) {
    return connect(vertx).compose(c -> (register ? c.registerAndLogin(user, secret) : c.loginOk(user, secret)).map(c));
  }

  private static Future<JsonObject> resumeLogin(WireClient c, String user, String secret, JsonObject resume) {
    return c.send(command("LOGIN").put("username", user).put("secret", secret).put("resume", resume))
        .expect("LOGIN_SUCCESS");
  }

  private static void send(WireClient c, String user, String secret, int n) {
    c.activity(user, secret, new JsonObject().put("n", n));
  }

  /** Sends activity {@code n} and waits for its echo to the sender. */
  private static Future<Void> sendAndEcho(WireClient sender, String user, String secret, int n) {
    send(sender, user, secret, n);
    return expectN(sender, n, "the sender's echo");
  }

  private static Future<Void> expectN(WireClient c, int n, String what) {
    return c.nextActivity().map(a -> {
      assertEquals(n, a.getInteger("n"), what);
      return null;
    });
  }

  /** {@code step(from)}, then {@code step(from + 1)} ... {@code step(to)}, one after the other. */
  private static Future<Void> steps(int from, int to, IntFunction<Future<?>> step) {
    return from > to ? Future.succeededFuture() : step.apply(from).compose(v -> steps(from + 1, to, step));
  }

  /**
   * The next activities must be {@code first..last} in order, each once; activities before {@code first}
   * may come again first (classic clients: within the redeliver window a duplicate is allowed).
   */
  private static Future<Void> expectSkippingRedelivered(WireClient c, int first, int last) {
    return expectRange(c, first, first, last);
  }

  private static Future<Void> expectRange(WireClient c, int start, int next, int last) {
    if (next > last) {
      return Future.succeededFuture();
    }
    return c.nextActivity().compose(a -> {
      int n = a.getInteger("n");
      if (n < start) {
        return expectRange(c, start, next, last);
      }
      assertEquals(next, n, "in order, each once");
      return expectRange(c, start, next + 1, last);
    });
  }

  @Test
  void resumeAfterADisconnectGetsExactlyWhatWasMissed(Vertx vertx, VertxTestContext ctx) {
    JsonObject received = new JsonObject();
    String[] session = new String[1];
    loggedIn(vertx, "rs-sender", "s", true).compose(sender -> connect(vertx)
        .compose(c -> c.register("rs-reader", "r").expect("REGISTER_SUCCESS")
            .compose(r -> resumeLogin(c, "rs-reader", "r", new JsonObject()))
            .compose(ok -> {
              session[0] = ok.getString("session");
              assertNotNull(session[0], ok.encode());
              assertEquals(0L, ok.getLong("lastSeq"));
              assertEquals(0L, ok.getLong("dropped"));
              assertTrue(ok.getJsonArray("members").size() >= 1, ok.encode());
              return steps(1, 3, n -> sendAndEcho(sender, "rs-sender", "s", n)
                  .compose(v -> c.expect("ACTIVITY_BROADCAST")).map(b -> {
                    assertEquals(n, b.getJsonObject("activity").getInteger("n"));
                    JsonObject eid = b.getJsonObject("eid");
                    received.put(eid.getString("origin"), eid.getLong("n"));
                    return null;
                  }));
            })
            .compose(v -> c.close()))
        .compose(v -> steps(4, 8, n -> sendAndEcho(sender, "rs-sender", "s", n)))
        .compose(v -> connect(vertx))
        .compose(c -> resumeLogin(c, "rs-reader", "r", new JsonObject().put("session", session[0])
                .put("received", received))
            .compose(ok -> {
              assertEquals(session[0], ok.getString("session"));
              return steps(4, 8, n -> expectN(c, n, "exactly the missed ones, in order"));
            })
            .compose(v -> {
              send(sender, "rs-sender", "s", 9);
              return expectN(c, 9, "and what comes next");
            })
            .compose(v -> c.close()))
        .compose(v -> sender.close()))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void classicReloginGetsTheBacklogAtLeastOnce(Vertx vertx, VertxTestContext ctx) {
    loggedIn(vertx, "cl-sender", "s", true).compose(sender -> loggedIn(vertx, "cl-reader", "r", true)
        .compose(c -> {
          send(sender, "cl-sender", "s", 1);
          return expectN(c, 1, "the reader").compose(v -> c.close());
        })
        .compose(v -> expectN(sender, 1, "the sender's echo"))
        .compose(v -> server.infoWhen(i -> i.getInteger("sessionsDetached") >= 1, WAIT))
        .compose(v -> steps(2, 4, n -> sendAndEcho(sender, "cl-sender", "s", n)))
        .compose(v -> loggedIn(vertx, "cl-reader", "r", false))
        .compose(c -> expectSkippingRedelivered(c, 2, 4).compose(v -> c.close()))
        .compose(v -> sender.close()))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void resumingAnAttachedSessionTakesItOver(Vertx vertx, VertxTestContext ctx) {
    Future.all(connect(vertx), connect(vertx)).compose(both -> {
      WireClient first = both.resultAt(0);
      WireClient second = both.resultAt(1);
      return first.register("rs-twice", "t").expect("REGISTER_SUCCESS")
          .compose(r -> resumeLogin(first, "rs-twice", "t", new JsonObject()))
          .compose(ok -> resumeLogin(second, "rs-twice", "t", new JsonObject().put("session", ok.getString("session")))
              .map(again -> {
                assertEquals(ok.getString("session"), again.getString("session"));
                return null;
              }))
          .compose(v -> first.expect("INVALID_MESSAGE"))
          .compose(v -> first.closed())
          .compose(v -> {
            send(second, "rs-twice", "t", 1);
            return expectN(second, 1, "the session goes on on the second connection");
          })
          .compose(v -> second.close());
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anonymousResumeLogin(Vertx vertx, VertxTestContext ctx) {
    connect(vertx).compose(c -> c.send(command("LOGIN").put("username", "anonymous").put("resume", new JsonObject()))
        .expect("LOGIN_SUCCESS")
        .compose(ok -> {
          assertNotNull(ok.getString("session"), ok.encode());
          return c.send(command("ACTIVITY_MESSAGE").put("username", "anonymous").put("seq", 1)
              .put("activity", new JsonObject().put("n", 1))).expect("ACTIVITY_BROADCAST");
        })
        .compose(b -> {
          assertNotNull(b.getJsonObject("eid"), b.encode());
          return c.close();
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void logoutEndsTheSessionSoNothingIsOwed(Vertx vertx, VertxTestContext ctx) {
    loggedIn(vertx, "lo-sender", "s", true).compose(sender -> loggedIn(vertx, "lo-reader", "r", true)
        .compose(c -> c.send(command("LOGOUT")).closed())
        .compose(v -> sendAndEcho(sender, "lo-sender", "s", 1))
        .compose(v -> loggedIn(vertx, "lo-reader", "r", false))
        .compose(c -> {
          send(sender, "lo-sender", "s", 2);
          return expectN(c, 2, "activity 1 was sent after LOGOUT: not owed").compose(v -> c.close());
        })
        .compose(v -> sender.close()))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twoClassicConnectionsOfOneUserEachKeepTheirSession(Vertx vertx, VertxTestContext ctx) {
    int[] detachedBefore = new int[1];
    loggedIn(vertx, "dev-sender", "s", true).compose(sender -> loggedIn(vertx, "dev-user", "u", true)
        // counted once the sessions of earlier tests' closed connections are detached: only these 3 attached
        .compose(phone -> loggedIn(vertx, "dev-user", "u", false).compose(laptop -> server
            .infoWhen(i -> i.getInteger("sessionsHere") == 3, WAIT)
            .compose(info -> {
              detachedBefore[0] = info.getInteger("sessionsDetached");
              return sendAndEcho(sender, "dev-sender", "s", 1);
            })
            .compose(v -> expectN(phone, 1, "the phone"))
            .compose(v -> expectN(laptop, 1, "the laptop"))
            .compose(v -> phone.close())
            // the phone's session stays open, detached, and owed what comes next
            .compose(v -> server.infoWhen(i -> i.getInteger("sessionsDetached") == detachedBefore[0] + 1, WAIT))
            .compose(v -> steps(2, 3, n -> sendAndEcho(sender, "dev-sender", "s", n)
                .compose(e -> expectN(laptop, n, "the laptop"))))
            .compose(v -> loggedIn(vertx, "dev-user", "u", false))
            .compose(phoneAgain -> expectSkippingRedelivered(phoneAgain, 2, 3).compose(v -> phoneAgain.close()))
            .compose(v -> {
              // the laptop was not disturbed
              send(laptop, "dev-user", "u", 4);
              return expectN(laptop, 4, "the laptop's own");
            })
            .compose(v -> laptop.close())))
        .compose(v -> sender.close()))
        .onComplete(ctx.succeedingThenComplete());
  }
}
