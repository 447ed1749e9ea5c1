package io.activitystreamer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.activitystreamer.testing.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A classic LOGIN that waits on b for the user's connection on a to let go (login sync), and whose own
 * connection closes meanwhile, is dropped: the user's next LOGIN on b gets the session (and its
 * backlog), not a second, empty one. (Seen in fault seed 23: the abandoned LOGIN took the session.)
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoginCancelTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private TestServer a;
  private TestServer b;

  @AfterEach
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  @Test
  void aLoginWhoseConnectionClosedWhileItWaitedIsDropped(Vertx vertx, VertxTestContext ctx) {
    a = TestServer.start();
    b = TestServer.start(new JsonObject().put("remoteHostname", "127.0.0.1").put("remotePort", a.port()));
    WireClient.connect(vertx, a.port()).compose(first -> first.registerAndLogin("ann", "pw")
        .compose(v -> b.infoWhen(i -> i.getInteger("users") == 1 && i.getInteger("sessions") == 1, WAIT))
        .compose(v -> WireClient.connect(vertx, b.port()))
        .compose(abandoned -> {
          abandoned.login("ann", "pw");
          return b.infoWhen(i -> i.getInteger("pendingLogins") == 1, WAIT) // waits for a's detach
              .compose(v -> abandoned.close());
        })
        .compose(v -> b.infoWhen(i -> i.getInteger("pendingLogins") == 0, WAIT))
        .compose(v -> WireClient.connect(vertx, b.port()))
        .compose(next -> {
          next.login("ann", "pw");
          return b.infoWhen(i -> i.getInteger("pendingLogins") == 1, WAIT)
              .compose(v -> first.close()) // a detaches the session: the waiting LOGIN takes it over
              .compose(v -> next.expect("LOGIN_SUCCESS"))
              .compose(v -> b.infoWhen(i -> i.getInteger("sessionsHere") == 1, WAIT))
              .compose(info -> {
                assertEquals(1, info.getInteger("sessions"), "one session for ann, not a second one: " + info.encode());
                return next.close();
              });
        }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
