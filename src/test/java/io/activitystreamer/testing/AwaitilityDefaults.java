package io.activitystreamer.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Awaitility's defaults for this project's tests, set before every test class (an extension registered
 * in {@code META-INF/services/org.junit.jupiter.api.extension.Extension}, auto-detected as enabled in
 * {@code junit-platform.properties}). Tests wait on other processes with
 * {@code await("what").atMost(limit).until(...)}; here: the first check at once (a condition that
 * already holds costs nothing), then every 50 ms, on the test's own thread, so a condition that reads
 * or writes a socket runs where the test would run it and nothing keeps running after a timeout.
 */
public final class AwaitilityDefaults implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.setDefaultPollDelay(Duration.ZERO);
    Awaitility.setDefaultPollInterval(Duration.ofMillis(50));
    Awaitility.pollInSameThread();
  }
}
