package io.activitystreamer.bus;

/**
 * The activities of one local sender connection in a {@link DeliveryBatch}: how many (the in-flight
 * credit its gateway releases) and when its gateway accepted each ({@link System#nanoTime}, 0 when not
 * known), for the delivery latency. Filled by the state before the batch is published, read-only after.
 */
public final class Accepted {
  private long[] nanos = new long[4];
  private int count;

  public void add(long acceptedNanos) {
    if (count == nanos.length) {
      nanos = java.util.Arrays.copyOf(nanos, 2 * count);
    }
    nanos[count++] = acceptedNanos;
  }

  public int count() {
    return count;
  }

  /** When the {@code i}-th was accepted, or 0. */
  public long acceptedNanos(int i) {
    return nanos[i];
  }
}
