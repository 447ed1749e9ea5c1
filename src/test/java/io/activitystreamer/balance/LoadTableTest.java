package io.activitystreamer.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The balancer's view over time: clients sent but not yet announced, stability for rebalancing rounds,
 * and the age rule of login redirects (announce interval 300 ms: arrival 100, expiry 700, stale 400).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LoadTableTest {
  private final LoadTable table = new LoadTable(100, 700, 400);

  /** Loads of a (self), b, c at time {@code now}. */
  private void loads(long now, int a, int b, int c) {
    List<LoadTable.Server> live = new ArrayList<>();
    live.add(new LoadTable.Server("a", "h", 1, a));
    live.add(new LoadTable.Server("b", "h", 2, b));
    live.add(new LoadTable.Server("c", "h", 3, c));
    table.update("a", live, now);
  }

  private int estimated(String id, long now) {
    return table.estimate(now).servers().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow().load();
  }

  private String pick(long now) {
    LoadTable.Server s = RedirectPolicy.pick(table, now);
    return s == null ? null : s.id();
  }

  @Test
  void sentClientsCountAtTheTargetUntilItAnnouncesAChange() {
    loads(0, 5, 0, 0);
    table.sent("b", 2, 1000);
    loads(1010, 4, 0, 0); // own load changes, b's announcement is the old one
    assertEquals(2, estimated("b", 1020));
    loads(1050, 4, 1, 0); // b announced 50 ms after: maybe before they arrived, keep counting
    assertEquals(3, estimated("b", 1060));
    loads(1200, 4, 2, 0); // b announced a change 200 ms after: they are in it
    assertEquals(2, estimated("b", 1210));
  }

  @Test
  void sentClientsExpire() {
    loads(0, 5, 0, 0);
    table.sent("c", 1, 1000);
    assertEquals(1, estimated("c", 1500));
    assertEquals(0, estimated("c", 1700));
  }

  @Test
  void clientsOnTheirWayKeepTheTableInMotionUntilTheyArriveOrExpire() {
    loads(0, 3, 0, 0);
    assertFalse(table.inMotion(10));
    table.sent("b", 1, 1000); // a redirect (ours or another member's announced one) towards b
    loads(1010, 3, 0, 0);
    assertTrue(table.inMotion(1500), "b's announcement does not show it yet: a round must not plan on it");
    loads(1200, 3, 1, 0);
    assertFalse(table.inMotion(1210), "b announced it");
    table.sent("c", 1, 2000);
    assertTrue(table.inMotion(2100));
    assertFalse(table.inMotion(2700), "never announced (the client went elsewhere): it expires");
    table.leaving(3000); // a pick here whose freeze the own load does not show yet
    assertTrue(table.inMotion(3100));
    table.left(1); // its freeze was published
    assertFalse(table.inMotion(3200));
  }

  @Test
  void unchangedForCountsFromTheLastLoadChange() {
    loads(0, 1, 1, 1);
    loads(500, 1, 1, 1); // same loads announced again: no change
    assertTrue(table.unchangedFor(400, 450));
    loads(600, 1, 2, 1);
    assertFalse(table.unchangedFor(400, 900));
    assertTrue(table.unchangedFor(400, 1000));
  }

  @Test
  void aBurstIsSpreadAtOnceCountingTheClientsAlreadySent() {
    loads(0, 0, 0, 0);
    loads(10_000, 1, 0, 0);
    loads(10_010, 2, 0, 0);
    // PROTOCOL.md section 5: 2 above the least loaded means REDIRECT, at once
    assertEquals("b", pick(10_010));
    table.sent("b", 1, 10_010);
    loads(10_020, 2, 0, 0);
    assertEquals("c", pick(10_020), "b counts the client already sent to it");
  }

  @Test
  void theLoginThatMakesTheDifferenceTwoIsRedirectedAtOnceWhenTheTargetWasBelowUsWhenAnnounced() {
    loads(0, 0, 0, 0);
    loads(1000, 5, 0, 0);
    loads(1100, 5, 4, 4); // b and c announced 4 at 1100, when a was already above 4
    loads(1200, 6, 4, 4);
    // PROTOCOL.md section 5: 6 - 4 >= 2, and b's 4 was announced while a was already above it
    assertEquals("b", pick(1210));
  }

  @Test
  void aServerLongAboveSendsAtOnceToAFreshlyAnnouncedOne() {
    loads(0, 12, 7, 9);
    loads(5000, 12, 9, 10); // b announced 9 just now
    loads(5010, 13, 9, 10); // a login: 13 - 9 >= 2, and a has been above 10 since long before b's 9
    assertEquals("b", pick(5010));
  }

  @Test
  void aServerThatJustCrossedByOneLoginRedirectsIt() {
    loads(0, 10, 7, 9);
    loads(5000, 10, 9, 9);
    assertNull(pick(5000)); // 10 - 9 < 2
    loads(5100, 11, 9, 9); // one login makes 11 - 9 = 2; a was already above 9 when b announced 9
    assertEquals("b", pick(5100));
  }

  @Test
  void whileLoadsMoveOnlyAServerAboveTheMeanSheds() {
    loads(0, 8, 20, 5);
    loads(2000, 9, 20, 7); // c just announced a change: loads are moving
    loads(2100, 10, 20, 7); // a is 3 above c, with c's 7 newer than a's crossing, but below the mean 12.3
    assertNull(pick(2100));
    loads(2500, 11, 20, 7); // nothing moved for an announce interval: the plain rule
    assertEquals("c", pick(2500));
  }

}
