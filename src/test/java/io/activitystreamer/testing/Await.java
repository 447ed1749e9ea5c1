package io.activitystreamer.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition with a deadline (checked every 20 ms), for tests that watch other processes
 * or sockets, where there is no event to subscribe to. Example:
 * {@code Await.until("s2 knows ann", Duration.ofSeconds(20), () -> cluster.loginWorks("s2", "ann", "pw"))}.
 */
public final class Await {
  private static final long STEP_MILLIS = 20;

  private Await() {}

  /** Returns once {@code condition} holds; an AssertionError naming {@code what} past the deadline. */
  public static void until(String what, Duration wait, BooleanSupplier condition) {
    until(what, wait, condition, () -> "");
  }

  /** As {@link #until(String, Duration, BooleanSupplier)}, with {@code detail} in the failure message. */
  public static void until(String what, Duration wait, BooleanSupplier condition, Supplier<String> detail) {
    if (!within(wait, condition)) {
      throw new AssertionError("not within " + wait + ": " + what + " " + detail.get());
    }
  }

  /** True as soon as {@code condition} holds, false at the deadline (the caller's check reports). */
  public static boolean within(Duration wait, BooleanSupplier condition) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(STEP_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return true;
  }
}
