package io.activitystreamer.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static List<Long> delays(Backoff b, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(b.next());
    }
    return out;
  }

  @Test
  void doublesFromTheFirstDelayUpToTheMaximumAndStaysThere() {
    assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 2000L, 2000L), delays(new Backoff(100, 2000), 7));
    assertEquals(List.of(200L, 400L, 800L, 1600L, 3200L, 5000L), delays(new Backoff(200, 5000), 6));
  }

  @Test
  void resetStartsAgainFromTheFirstDelay() {
    Backoff b = new Backoff(100, 10_000);
    assertEquals(0, b.last(), "no failure yet");
    delays(b, 4);
    assertEquals(800, b.last());
    b.reset();
    assertEquals(0, b.last());
    assertEquals(100, b.next());
  }

  @Test
  void aMaximumBelowTheFirstDelayIsTheFirstDelay() {
    assertEquals(List.of(500L, 500L), delays(new Backoff(500, 100), 2));
  }

  @Test
  void aLargeMaximumDoesNotOverflow() {
    Backoff b = new Backoff(1, Long.MAX_VALUE / 2 + 1);
    long last = 0;
    for (int i = 0; i < 200; i++) {
      last = b.next();
    }
    assertEquals(Long.MAX_VALUE / 2 + 1, last);
  }

  @Test
  void theFirstDelayMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 100));
  }
}
