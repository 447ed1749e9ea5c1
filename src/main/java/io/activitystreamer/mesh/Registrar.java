package io.activitystreamer.mesh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Agreement on new usernames (G1) among the members not held dead (linked, or reached through a member
 * linked to both: MESH_RELAY): the classic LOCK_REQUEST /
 * LOCK_ALLOWED / LOCK_DENIED, made safe for concurrent requests by a total priority order
 * (earlier {@code ts}, then smaller requester id). Pure; owned by {@link MeshCore}.
 *
 * <p>Each server holds at most one lock per name. A requester holds its own lock for the whole round
 * and needs LOCK_ALLOWED from every member not dead at the start (members declared dead meanwhile stop
 * counting; a member whose link broke is asked again when it relinks: a flap is not consent).
 * A member asked for a name whose lock it already granted to a request of higher priority answers
 * LOCK_DENIED; for one of lower priority it defers its answer until that request resolves. Example: a
 * (ts 5) and b (ts 7) both ask for "ann": a denies b (a's own lock has priority), b fails and sends
 * LOCK_RELEASE, and every member that deferred a's request now allows it. Two requests can never both
 * succeed, because each needs the other's requester, which holds its own lock, to allow it.
 */
final class Registrar {

  /** One registration request, ordered by (ts, requester). */
  record Req(String username, long ts, String requester) {
    static final Comparator<Req> PRIORITY = Comparator.comparingLong(Req::ts).thenComparing(Req::requester);

    boolean precedes(Req other) {
      return PRIORITY.compare(this, other) < 0;
    }
  }

  /** Answers the registrar gives, carried out by the mesh core. */
  interface Effects {
    void sendAllowed(String to, Req r);

    void sendDenied(String to, Req r);

    void broadcastRequest(Set<String> to, Req r);

    void broadcastRelease(Req r);

    boolean registered(String username);

    /** The members a round must hear from now (every member not held dead). */
    Set<String> liveMembers();
  }

  private static final class Round {
    final Req req;
    final Set<String> awaiting;
    final Predicate<Req> commit;
    final Consumer<Boolean> done;

    Round(Req req, Set<String> awaiting, Predicate<Req> commit, Consumer<Boolean> done) {
      this.req = req;
      this.awaiting = awaiting;
      this.commit = commit;
      this.done = done;
    }
  }

  private final String self;
  private final Effects fx;
  private final Map<String, Req> locks = new HashMap<>();
  private final Map<String, List<Req>> deferred = new HashMap<>();
  private final Map<String, Round> rounds = new HashMap<>();
  /** When a request of another server last reached us (from {@link #tick}'s clock). */
  private final Map<Req, Long> requestedAt = new HashMap<>();
  private long now;
  /** Local REGISTERs waiting while another request holds the name's lock here. */
  private final Map<String, List<Runnable>> queued = new HashMap<>();

  Registrar(String self, Effects fx) {
    this.self = self;
    this.fx = fx;
  }

  /**
   * A local REGISTER whose secret is hashed. {@code commit} registers the user of this very request
   * once every member allowed (emits USER_REGISTERED; false if it already exists): each request carries
   * its own, so concurrent REGISTERs of one name can never commit another's secret. {@code done} gets
   * true on success.
   */
  void register(String username, long now, Set<String> members, Predicate<Req> commit, Consumer<Boolean> done) {
    if (fx.registered(username)) {
      done.accept(false);
      return;
    }
    if (locks.containsKey(username)) {
      // another request holds the name here: wait for it (it may fail), keeping our time
      queued.computeIfAbsent(username, k -> new ArrayList<>())
          .add(() -> register(username, now, fx.liveMembers(), commit, done));
      return;
    }
    Req r = new Req(username, now, self);
    locks.put(username, r);
    Round round = new Round(r, new HashSet<>(members), commit, done);
    rounds.put(username, round);
    if (members.isEmpty()) {
      finish(round, true);
    } else {
      fx.broadcastRequest(members, r);
    }
  }

  private boolean stale(Req r, long leaseMillis) {
    return now - requestedAt.getOrDefault(r, 0L) > leaseMillis;
  }

  void onRequest(String from, Req r) {
    requestedAt.put(r, now);
    if (fx.registered(r.username())) {
      fx.sendDenied(from, r);
      return;
    }
    Req held = locks.get(r.username());
    if (held == null || held.equals(r)) {
      locks.put(r.username(), r);
      fx.sendAllowed(from, r);
    } else if (held.precedes(r)) {
      fx.sendDenied(from, r);
    } else {
      List<Req> waiting = deferred.computeIfAbsent(r.username(), k -> new ArrayList<>());
      if (!waiting.contains(r)) {
        waiting.add(r);
      }
    }
  }

  void onAllowed(String from, Req r) {
    Round round = rounds.get(r.username());
    if (round != null && round.req.equals(r)) {
      round.awaiting.remove(from);
      if (round.awaiting.isEmpty()) {
        finish(round, true);
      }
    }
  }

  void onDenied(String from, Req r) {
    Round round = rounds.get(r.username());
    if (round != null && round.req.equals(r)) {
      finish(round, false);
    }
  }

  void onRelease(Req r) {
    List<Req> waiting = deferred.get(r.username());
    if (waiting != null) {
      waiting.remove(r); // it failed elsewhere while it waited here: never grant it later
    }
    if (r.equals(locks.get(r.username()))) {
      locks.remove(r.username());
      reconsider(r.username());
    }
  }

  /** A USER_REGISTERED was applied: the name is taken, every waiting request is denied. */
  void onRegistered(String username) {
    Req held = locks.get(username);
    Round round = rounds.get(username);
    if (round != null && held != null && held.requester().equals(self)) {
      return; // our own commit in progress
    }
    locks.remove(username);
    reconsider(username);
  }

  /**
   * A member's link broke ({@code dead} false) or it was declared dead. Its locks and deferred requests
   * here are dropped either way (its LOCK_RELEASE may have been lost with the link; a live requester asks
   * again on the new link, and safety never rests on third-party locks: every round needs the competing
   * requester, which holds its own lock). Only a dead member stops counting in our rounds: a broken link
   * is not consent, the request is sent again when the member relinks ({@link #onMemberLinked}).
   */
  void onMemberLost(String member, boolean dead) {
    dropHeldFor(member);
    if (!dead) {
      return;
    }
    for (Round round : new ArrayList<>(rounds.values())) {
      if (round.awaiting.remove(member) && round.awaiting.isEmpty()) {
        finish(round, true);
      }
    }
  }

  /**
   * A new link to {@code member}: our rounds still waiting for it ask again (answers may have been lost),
   * and what it held here through a relay is dropped (it asks again on the link if its round is open).
   */
  void onMemberLinked(String member) {
    dropHeldFor(member);
    for (Round round : new ArrayList<>(rounds.values())) {
      if (round.awaiting.contains(member)) {
        fx.broadcastRequest(Set.of(member), round.req);
      }
    }
  }

  /**
   * Periodic. Asks again the members our rounds still wait for that are reached only by relay
   * ({@code relayed}), and drops the locks and deferred requests held here for such requesters that no
   * request renewed for {@code leaseMillis}: a relayed LOCK_RELEASE may be lost, and no link-down will
   * clear them (safety does not rest on them: every round needs the competing requester's own lock).
   */
  void tick(long now, Predicate<String> relayed, long leaseMillis) {
    this.now = now;
    for (Req held : new ArrayList<>(locks.values())) {
      if (!held.requester().equals(self) && relayed.test(held.requester()) && stale(held, leaseMillis)) {
        locks.remove(held.username());
        reconsider(held.username());
      }
    }
    deferred.values().forEach(list -> list.removeIf(r -> relayed.test(r.requester()) && stale(r, leaseMillis)));
    requestedAt.keySet().removeIf(r -> !r.equals(locks.get(r.username()))
        && deferred.getOrDefault(r.username(), List.of()).stream().noneMatch(r::equals));
    for (Round round : new ArrayList<>(rounds.values())) {
      Set<String> again = new HashSet<>();
      for (String m : round.awaiting) {
        if (relayed.test(m)) {
          again.add(m);
        }
      }
      if (!again.isEmpty()) {
        fx.broadcastRequest(again, round.req);
      }
    }
  }

  private void dropHeldFor(String member) {
    deferred.values().forEach(list -> list.removeIf(r -> r.requester().equals(member)));
    for (Req held : new ArrayList<>(locks.values())) {
      if (held.requester().equals(member)) {
        locks.remove(held.username());
        reconsider(held.username());
      }
    }
  }

  int locksHeld() {
    return locks.size();
  }

  private void finish(Round round, boolean allowed) {
    rounds.remove(round.req.username());
    boolean ok = allowed && round.commit.test(round.req);
    locks.remove(round.req.username());
    if (!ok) {
      fx.broadcastRelease(round.req);
    }
    round.done.accept(ok);
    reconsider(round.req.username());
  }

  private void reconsider(String username) {
    List<Req> waiting = deferred.remove(username);
    if (waiting != null) {
      waiting.sort(Req.PRIORITY);
      for (Req r : waiting) {
        onRequest(r.requester(), r);
      }
    }
    if (!locks.containsKey(username)) {
      List<Runnable> local = queued.remove(username);
      if (local != null) {
        local.forEach(Runnable::run);
      }
    }
  }
}
