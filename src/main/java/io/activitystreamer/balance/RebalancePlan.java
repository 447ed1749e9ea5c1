package io.activitystreamer.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which clients move where when the spread of the live servers' loads reached 2 or more (a server
 * joined or died). Every server computes the same plan from the same announced loads and carries out
 * only its own moves, so no coordinator is needed. Pure.
 *
 * <p>The plan moves the fewest clients that bring every server to the even share: with total T on n
 * servers each gets T/n, and the T%n servers that are already the most loaded (ties: smaller id) keep
 * one more. Servers above their share send the surplus to servers below theirs, largest surplus to
 * largest deficit first. Example: loads {a:20, b:20, c:20, d:0}: T=60, share 15, so a, b and c each
 * send 5 to d: 15 moves, the minimum, and no server both sends and receives (so nothing goes back and
 * forth).
 */
public final class RebalancePlan {

  /** Send {@code count} clients from {@code from} to {@code to}. */
  public record Move(LoadTable.Server from, LoadTable.Server to, int count) {}

  private RebalancePlan() {}

  /** The moves that even out {@code servers}; empty when the spread is already below 2. */
  public static List<Move> plan(List<LoadTable.Server> servers) {
    List<Move> moves = new ArrayList<>();
    if (servers.size() < 2 || spread(servers) < 2) {
      return moves;
    }
    List<LoadTable.Server> byLoad = new ArrayList<>(servers);
    byLoad.sort(Comparator.comparingInt(LoadTable.Server::load).reversed().thenComparing(LoadTable.Server::id));
    int total = servers.stream().mapToInt(LoadTable.Server::load).sum();
    int n = byLoad.size();
    int[] surplus = new int[n];
    for (int i = 0; i < n; i++) {
      int share = total / n + (i < total % n ? 1 : 0);
      surplus[i] = byLoad.get(i).load() - share;
    }
    int giver = 0;
    int taker = n - 1;
    while (giver < taker) {
      if (surplus[giver] <= 0) {
        giver++;
        continue;
      }
      if (surplus[taker] >= 0) {
        taker--;
        continue;
      }
      int count = Math.min(surplus[giver], -surplus[taker]);
      moves.add(new Move(byLoad.get(giver), byLoad.get(taker), count));
      surplus[giver] -= count;
      surplus[taker] += count;
    }
    return moves;
  }

  public static int spread(List<LoadTable.Server> servers) {
    int max = Integer.MIN_VALUE;
    int min = Integer.MAX_VALUE;
    for (LoadTable.Server s : servers) {
      max = Math.max(max, s.load());
      min = Math.min(min, s.load());
    }
    return max - min;
  }
}
