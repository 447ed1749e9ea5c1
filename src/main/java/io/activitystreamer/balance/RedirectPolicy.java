package io.activitystreamer.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * PROTOCOL.md section 5: after LOGIN_SUCCESS, a server whose load exceeds another live server's by 2 or
 * more sends the client to the least loaded server (ties: the smallest id, so every server picks the
 * same target). Loads counted here include the client just logged in. Pure.
 *
 * <p>Example: loads {a:5, b:3, c:4}, a client logs in on a: 5 - 3 >= 2, so it goes to b; the balancer
 * then counts b as 4 and a as 4 until the next announcements, so a burst of logins does not overshoot.
 */
public final class RedirectPolicy {
  private RedirectPolicy() {}

  /**
   * As the contract rule on {@code table.estimate(now)} (the clients this server sent count at
   * their targets). While another member's load changed within the last announce interval, only a
   * server at least 1 above the mean redirects (two servers both receiving a burst do not pass clients
   * between themselves).
   */
  public static LoadTable.Server pick(LoadTable table, long now) {
    LoadTable estimate = table.estimate(now);
    LoadTable.Server self = estimate.self();
    if (self == null) {
      return null;
    }
    List<LoadTable.Server> others = new ArrayList<>();
    for (LoadTable.Server s : estimate.servers()) {
      if (!s.id().equals(self.id())) {
        others.add(s);
      }
    }
    others.sort(Comparator.comparingInt(LoadTable.Server::load).thenComparing(LoadTable.Server::id));
    if (table.othersChangedWithin(now) && !others.isEmpty()) {
      // loads are moving (a burst being spread, a rebalancing round): only a server above the mean
      // sheds; two servers both receiving a burst do not pass clients between themselves
      int total = self.load();
      for (LoadTable.Server s : others) {
        total += s.load();
      }
      if ((double) self.load() < (double) total / (others.size() + 1) + 1) {
        return null;
      }
    }
    // The contract (PROTOCOL.md section 5): 2 or more above the least loaded live server means REDIRECT
    // at once. (A session the balancer just placed is not sent on again: see LoginResult.placed.)
    LoadTable.Server least = others.isEmpty() ? null : others.get(0);
    return least != null && self.load() - least.load() >= 2 ? least : null;
  }
}
