package io.activitystreamer.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Loads of the live members as last announced, plus this server's own (current). Pure (times are passed
 * in); owned by BalancerVerticle.
 *
 * <p>Two views. {@link #servers()} is the announced view every server shares (up to one announce
 * interval late, and its own load current): rebalancing plans on it, and only once it has not changed
 * for a while ({@link #unchangedFor}), so that every server plans on the same numbers. {@link #estimate}
 * adds the clients this server sent to others that their announcements do not show yet: login redirects
 * decide on it, so a burst of logins is spread instead of all going to the server that looked emptiest
 * at the last announcement. Sent clients stop counting when the target announces a load that includes
 * them (its load when they were sent plus them), or after {@code expiryMillis} at the latest.
 *
 * <p>{@link #othersChangedWithin} tells whether another member's announced load changed less than an
 * announce interval ({@code staleMillis}) ago: loads are moving, so login redirects shed only from a
 * server above the mean.
 */
public final class LoadTable {

  /** One live server: its id, where clients reach it, and its load (connected clients). */
  public record Server(String id, String hostname, int port, int load) {}

  /** {@code expected}: the target's announced load that shows these clients arrived. */
  private record Sent(String to, int count, long at, int expected) {}

  private final List<Server> servers = new ArrayList<>();
  private final List<Sent> sent = new ArrayList<>();
  /** When each redirect this server picked, and whose freeze its own load does not show yet, was picked. */
  private final java.util.ArrayDeque<Long> leaving = new java.util.ArrayDeque<>();
  private final Map<String, Long> memberChangedAt = new HashMap<>();
  private final long arrivalMillis;
  private final long expiryMillis;
  private final long staleMillis;
  private String self;
  private long changedAt;

  /** A table without sent-client accounting or ages (every estimate equals the view, every load is fresh). */
  public LoadTable() {
    this(0, 0, 0);
  }

  public LoadTable(long arrivalMillis, long expiryMillis, long staleMillis) {
    this.arrivalMillis = arrivalMillis;
    this.expiryMillis = expiryMillis;
    this.staleMillis = staleMillis;
  }

  public void replace(String self, List<Server> live) {
    update(self, live, 0);
  }

  /** New loads from the mesh (members with their announced loads, this server with its own). */
  public void update(String self, List<Server> live, long now) {
    Map<String, Integer> before = loads();
    this.self = self;
    servers.clear();
    servers.addAll(live);
    servers.sort(Comparator.comparing(Server::id));
    Map<String, Integer> after = loads();
    if (!after.equals(before)) {
      changedAt = now;
    }
    after.forEach((id, load) -> {
      if (!load.equals(before.get(id))) {
        memberChangedAt.put(id, now);
      }
    });
    memberChangedAt.keySet().retainAll(after.keySet());
    for (Iterator<Sent> it = sent.iterator(); it.hasNext(); ) {
      Sent s = it.next();
      Integer is = after.get(s.to());
      // arrived: the target's announced load reached what it would be with these clients (clients
      // leaving it meanwhile make that late, and the expiry bounds it)
      boolean arrived = is != null && is >= s.expected() && now - s.at() >= arrivalMillis;
      if (is == null || arrived || now - s.at() >= expiryMillis) {
        it.remove();
      }
    }
  }

  /** This server sent {@code count} clients to {@code to} now (REDIRECT). */
  public void sent(String to, int count, long now) {
    if (expiryMillis > 0 && count > 0) {
      int base = 0;
      for (Server s : servers) {
        if (s.id().equals(to)) {
          base = s.load();
        }
      }
      for (Sent earlier : sent) {
        if (earlier.to().equals(to)) {
          base += earlier.count();
        }
      }
      sent.add(new Sent(to, count, now, base + count));
    }
  }

  /**
   * This server picked a redirect now: until its load shows the client gone (the freeze, {@link
   * #leftAt}), the estimate counts it gone already. A burst of logins is picked before any of its
   * freezes is applied; without this every one of them saw the whole burst here and was sent away.
   */
  public void leaving(long now) {
    if (expiryMillis > 0) {
      leaving.addLast(now);
    }
  }

  /** {@code count} redirects began (their clients no longer count in this server's own load). */
  public void left(int count) {
    for (int i = 0; i < count && !leaving.isEmpty(); i++) {
      leaving.removeFirst();
    }
  }

  /** The announced view, sorted by id. */
  public List<Server> servers() {
    return servers;
  }

  public Server self() {
    for (Server s : servers) {
      if (s.id().equals(self)) {
        return s;
      }
    }
    return null;
  }

  /** True when no load in the announced view changed for {@code millis}. */
  public boolean unchangedFor(long millis, long now) {
    return now - changedAt >= millis;
  }

  /**
   * True while clients are known to be on their way: redirects this server or another member (its
   * announced {@code redirecting}) sent whose targets have not announced them yet, or picks here whose
   * freeze the own load does not show yet. The announced view is then known to be stale.
   */
  public boolean inMotion(long now) {
    leaving.removeIf(at -> now - at >= staleMillis);
    if (!leaving.isEmpty()) {
      return true;
    }
    for (Sent s : sent) {
      if (now - s.at() < expiryMillis) {
        return true;
      }
    }
    return false;
  }

  /** True when another member's announced load changed less than an announce interval (staleMillis) ago. */
  public boolean othersChangedWithin(long now) {
    for (Map.Entry<String, Long> e : memberChangedAt.entrySet()) {
      if (!e.getKey().equals(self) && now - e.getValue() < staleMillis) {
        return true;
      }
    }
    return false;
  }

  /** The announced view plus the clients this server sent that the targets have not announced yet. */
  public LoadTable estimate(long now) {
    Map<String, Integer> extra = new HashMap<>();
    for (Sent s : sent) {
      if (now - s.at() < expiryMillis) {
        extra.merge(s.to(), s.count(), Integer::sum);
      }
    }
    // a pick whose client closed before its redirect began never shows as left: it expires
    leaving.removeIf(at -> now - at >= staleMillis);
    List<Server> out = new ArrayList<>();
    for (Server s : servers) {
      int gone = s.id().equals(self) ? leaving.size() : 0;
      out.add(new Server(s.id(), s.hostname(), s.port(), Math.max(0, s.load() - gone) + extra.getOrDefault(s.id(), 0)));
    }
    LoadTable t = new LoadTable();
    t.self = self;
    t.servers.addAll(out);
    return t;
  }

  private Map<String, Integer> loads() {
    Map<String, Integer> m = new HashMap<>();
    for (Server s : servers) {
      m.put(s.id(), s.load());
    }
    return m;
  }
}
