package io.activitystreamer.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Loads in, decision out (PROTOCOL.md section 5). */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RedirectPolicyTest {

  private static LoadTable table(String self, int... loads) {
    List<LoadTable.Server> live = new ArrayList<>();
    String[] ids = {"c", "a", "b", "d"};
    for (int i = 0; i < loads.length; i++) {
      live.add(new LoadTable.Server(ids[i], "host-" + ids[i], 1000 + i, loads[i]));
    }
    LoadTable t = new LoadTable();
    t.replace(self, live);
    return t;
  }

  private static String pick(LoadTable t) {
    LoadTable.Server s = RedirectPolicy.pick(t, 0);
    return s == null ? null : s.id();
  }

  @Test
  void redirectsToTheLeastLoadedWhenTwoOrMoreAbove() {
    assertEquals("b", pick(table("a", 4, 5, 3))); // c:4 a:5 b:3
  }

  @Test
  void staysWhenOnlyOneAbove() {
    assertNull(pick(table("a", 4, 4, 3)));
  }

  @Test
  void staysWhenItIsTheLeastLoaded() {
    assertNull(pick(table("a", 5, 1, 6)));
  }

  @Test
  void tiesGoToTheSmallestIdWhateverTheOrderAnnounced() {
    assertEquals("b", pick(table("a", 3, 6, 3))); // c:3 b:3 -> b
  }

  @Test
  void farAboveTheOnlyOtherRedirects() {
    assertEquals("c", pick(table("a", 0, 9)));
  }

  @Test
  void selfNotInTheTableStays() {
    assertNull(pick(table("x", 0, 5, 9)));
  }

  @Test
  void singleServerStays() {
    LoadTable t = new LoadTable();
    t.replace("a", List.of(new LoadTable.Server("a", "h", 1, 10)));
    assertNull(RedirectPolicy.pick(t, 0));
  }

  @Test
  void exactlyTwoAboveRedirects() {
    assertEquals("c", pick(table("a", 0, 2))); // c:0 a:2 (the client just logged in is counted)
  }
}
