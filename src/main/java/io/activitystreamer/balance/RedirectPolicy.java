package io.activitystreamer.balance;

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

  public static LoadTable.Server pick(LoadTable table) {
    LoadTable.Server self = table.self();
    if (self == null) {
      return null;
    }
    LoadTable.Server best = null;
    for (LoadTable.Server s : table.servers()) {
      if (!s.id().equals(self.id()) && (best == null || s.load() < best.load())) {
        best = s;
      }
    }
    return best != null && self.load() - best.load() >= 2 ? best : null;
  }
}
