package io.activitystreamer.testing;

/** A clock that moves only when the test says so (milliseconds). Not thread-safe; for layer-1 tests. */
public final class ManualClock {
  private long now;

  public ManualClock(long start) {
    this.now = start;
  }

  public ManualClock() {
    this(1_000_000L);
  }

  public long now() {
    return now;
  }

  public long advance(long millis) {
    now += millis;
    return now;
  }
}
