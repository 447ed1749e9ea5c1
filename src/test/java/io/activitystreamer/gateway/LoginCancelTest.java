package io.activitystreamer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.activitystreamer.testing.LineClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A classic LOGIN that waits on b for the user's connection on a to let go (login sync), and whose own
 * connection closes meanwhile, is dropped: the user's next LOGIN on b gets the session (and its
 * backlog), not a second, empty one. (Seen in fault seed 23: the abandoned LOGIN took the session.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoginCancelTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aLoginWhoseConnectionClosedWhileItWaitedIsDropped() {
    try (TestServer a = TestServer.start();
         TestServer b = TestServer.start(new JsonObject().put("remoteHostname", "127.0.0.1")
             .put("remotePort", a.port()))) {
      LineClient first = LineClient.connect(a.port()).registerAndLogin("ann", "pw");
      b.awaitInfo(i -> i.getInteger("users") == 1 && i.getInteger("sessions") == 1, WAIT);

      LineClient abandoned = LineClient.connect(b.port());
      abandoned.login("ann", "pw");
      b.awaitInfo(i -> i.getInteger("pendingLogins") == 1, WAIT); // waits for a's detach
      abandoned.close();
      b.awaitInfo(i -> i.getInteger("pendingLogins") == 0, WAIT);

      try (LineClient next = LineClient.connect(b.port())) {
        next.login("ann", "pw");
        b.awaitInfo(i -> i.getInteger("pendingLogins") == 1, WAIT);
        first.close(); // a detaches the session: the waiting LOGIN takes it over
        next.expect("LOGIN_SUCCESS");
        JsonObject info = b.awaitInfo(i -> i.getInteger("sessionsHere") == 1, WAIT);
        assertEquals(1, info.getInteger("sessions"), "one session for ann, not a second one: " + info.encode());
      }
    }
  }
}
