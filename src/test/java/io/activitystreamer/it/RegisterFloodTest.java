package io.activitystreamer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.ServerProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A REGISTER flood from one address (30 connections, each REGISTERing fresh names back to back, for 6 s)
 * against a real server process with the default hash cost: a normal client's LOGINs meanwhile succeed,
 * with a median under 1 s (docs/configuration.md "Limits" has the numbers measured before and after; on
 * the 2 shared cores of the test machine the median was about 50 ms, and 3.3 s before the bounded pool).
 * The per-address limits apply to loopback here, as they would to a remote flooder.
 */
@Timeout(90)
class RegisterFloodTest {
  @Test
  void loginsStayFastDuringARegisterFlood() throws Exception {
    try (ServerProcess s = ServerProcess.launch("flood", Map.of("STREAMER_PER_IP_LIMITS_ON_LOOPBACK", "true"),
        "-lp", "0", "-hp", "0", "-s", "x")) {
      s.awaitPort(ServerProcess.START_WAIT);
      RegisterFlood.Result r = RegisterFlood.run("127.0.0.1", s.port(), 30, Duration.ofSeconds(6), false);
      System.out.println("RegisterFloodTest: " + r);
      assertEquals(0, r.loginFailures(), r.toString());
      assertTrue(r.answers() > 0, r.toString());
      assertTrue(r.loginMillis().size() >= 5, r.toString());
      assertTrue(r.percentile(50) < 1000, r.toString());
    }
  }
}
