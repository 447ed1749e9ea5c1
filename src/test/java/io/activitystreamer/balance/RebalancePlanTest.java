package io.activitystreamer.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RebalancePlanTest {

  private static List<LoadTable.Server> loads(int... loads) {
    List<LoadTable.Server> out = new ArrayList<>();
    for (int i = 0; i < loads.length; i++) {
      out.add(new LoadTable.Server("s" + i, "h", 1000 + i, loads[i]));
    }
    return out;
  }

  private static Map<String, Integer> apply(List<LoadTable.Server> servers, List<RebalancePlan.Move> moves) {
    Map<String, Integer> after = new HashMap<>();
    servers.forEach(s -> after.put(s.id(), s.load()));
    for (RebalancePlan.Move m : moves) {
      after.merge(m.from().id(), -m.count(), Integer::sum);
      after.merge(m.to().id(), m.count(), Integer::sum);
    }
    return after;
  }

  @Test
  void newEmptyServerReceivesAnEvenShareWithTheMinimumMoves() {
    List<LoadTable.Server> servers = loads(20, 20, 20, 0);
    List<RebalancePlan.Move> moves = RebalancePlan.plan(servers);
    assertEquals(15, moves.stream().mapToInt(RebalancePlan.Move::count).sum());
    assertEquals(Map.of("s0", 15, "s1", 15, "s2", 15, "s3", 15), apply(servers, moves));
  }

  @Test
  void spreadBelowTwoMovesNobody() {
    assertTrue(RebalancePlan.plan(loads(5, 4, 5)).isEmpty());
    assertTrue(RebalancePlan.plan(loads(7)).isEmpty());
  }

  @Test
  void randomLoadsEndWithinOneMovingOnlySurplusAndNoServerBothSendsAndReceives() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      int n = 2 + random.nextInt(8);
      int[] l = new int[n];
      for (int i = 0; i < n; i++) {
        l[i] = random.nextInt(60);
      }
      List<LoadTable.Server> servers = loads(l);
      List<RebalancePlan.Move> moves = RebalancePlan.plan(servers);
      Map<String, Integer> after = apply(servers, moves);
      int max = after.values().stream().max(Integer::compare).orElseThrow();
      int min = after.values().stream().min(Integer::compare).orElseThrow();
      if (RebalancePlan.spread(servers) >= 2) {
        assertTrue(max - min <= 1, "spread after plan " + after);
      }
      int total = servers.stream().mapToInt(LoadTable.Server::load).sum();
      int minimum = 0;
      List<LoadTable.Server> sorted = new ArrayList<>(servers);
      sorted.sort((a, b) -> b.load() != a.load() ? b.load() - a.load() : a.id().compareTo(b.id()));
      for (int i = 0; i < n; i++) {
        int share = total / n + (i < total % n ? 1 : 0);
        minimum += Math.max(0, sorted.get(i).load() - share);
      }
      int movedCount = moves.stream().mapToInt(RebalancePlan.Move::count).sum();
      if (!moves.isEmpty()) {
        assertEquals(minimum, movedCount);
      }
      for (RebalancePlan.Move m : moves) {
        assertTrue(moves.stream().noneMatch(o -> o.to().id().equals(m.from().id())), "sends and receives");
      }
    }
  }

  @Test
  void everyServerComputesTheSamePlanWhateverTheOrderOfItsTable() {
    List<LoadTable.Server> a = loads(9, 1, 9, 3, 0);
    List<LoadTable.Server> b = new ArrayList<>(a);
    java.util.Collections.reverse(b);
    assertEquals(RebalancePlan.plan(a), RebalancePlan.plan(b));
  }
}
