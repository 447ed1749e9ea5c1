package io.activitystreamer.util;

/**
 * Exponential backoff between retries: the first delay, then twice the last one, never more than the
 * maximum; {@link #reset()} after a success starts again from the first. Used by a server re-dialling a
 * member, a server retrying its join through the seed, and the terminal client reconnecting. Plain
 * arithmetic (the caller owns the clock and the timer); not thread-safe: one per retrying party.
 */
public final class Backoff {
  private final long firstMillis;
  private final long maxMillis;
  private long lastMillis;

  /** {@code firstMillis} > 0; a {@code maxMillis} below it is raised to it. */
  public Backoff(long firstMillis, long maxMillis) {
    if (firstMillis <= 0) {
      throw new IllegalArgumentException("the first delay must be positive: " + firstMillis);
    }
    this.firstMillis = firstMillis;
    this.maxMillis = Math.max(firstMillis, maxMillis);
  }

  /** The delay before the next attempt (after one more failure). */
  public long next() {
    lastMillis = lastMillis == 0 ? firstMillis : lastMillis > maxMillis / 2 ? maxMillis : lastMillis * 2;
    return lastMillis;
  }

  /** The delay {@link #next()} returned last, 0 before the first failure or after {@link #reset()}. */
  public long last() {
    return lastMillis;
  }

  /** After a success: the next failure waits the first delay again. */
  public void reset() {
    lastMillis = 0;
  }
}
