package io.activitystreamer.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeqRangesTest {

  @Test
  void holesStayOpenUntilFilledAndRangesMerge() {
    SeqRanges r = new SeqRanges();
    assertEquals(0, r.max());
    for (long n = 1; n <= 33; n++) {
      r.add(n);
    }
    r.add(69);
    r.add(70);
    assertEquals("{1-33, 69-70}", r.toString());
    assertTrue(r.contains(20));
    assertTrue(r.contains(70));
    assertFalse(r.contains(40));
    assertFalse(r.contains(71));
    assertEquals(70, r.max());
    for (long n = 34; n <= 68; n++) {
      r.add(n);
    }
    r.add(50); // already in: no change
    assertEquals("{1-70}", r.toString());
  }

  @Test
  void survivesTheSnapshot() {
    SeqRanges r = new SeqRanges();
    r.add(1);
    r.add(2);
    r.add(5);
    SeqRanges copy = SeqRanges.fromJson(r.toJson(), 5);
    assertEquals("{1-2, 5-5}", copy.toString());
    assertEquals(5, copy.max());
    assertFalse(copy.contains(3));
    assertEquals("{1-7}", SeqRanges.fromJson(null, 7).toString(), "an older snapshot with lastSeq only");
    assertEquals("{}", SeqRanges.fromJson(null, 0).toString());
  }
}
