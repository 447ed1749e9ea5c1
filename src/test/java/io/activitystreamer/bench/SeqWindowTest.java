package io.activitystreamer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The generator tells a late (out-of-order) activity from a duplicate. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SeqWindowTest {
  private final long[] last = new long[1];
  private final long[] recent = new long[1];

  private int see(long seq) {
    return BenchClient.order(last, recent, 0, seq);
  }

  @Test
  void inOrderLateAndDuplicate() {
    assertEquals(0, see(1));
    assertEquals(0, see(2));
    assertEquals(-1, see(2), "the same again is a duplicate");
    assertEquals(0, see(5), "a gap: 3 and 4 missing so far");
    assertEquals(1, see(3), "3 arrives late");
    assertEquals(-1, see(3), "and then again: a duplicate");
    assertEquals(-1, see(1));
    assertEquals(1, see(4));
    assertEquals(0, see(6));
    assertEquals(0, see(6 + 64), "a jump of exactly 64");
    assertEquals(-1, see(6), "6 is still inside the window");
    assertEquals(1, see(7 + 3));
    assertEquals(0, see(1000));
    assertEquals(1, see(100), "far behind the window counts as late");
  }
}
