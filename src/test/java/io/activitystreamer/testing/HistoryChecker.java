package io.activitystreamer.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Records what test clients sent and received and checks the delivery guarantees (PROTOCOL.md G1, G3,
 * G4) on the history. Thread-safe: every recording method may be called from any client thread.
 *
 * <p>Model: each named user has one session, open from its first LOGIN_SUCCESS until its LOGOUT (if
 * any), whatever connections and servers it used in between. Every activity carries its sender and a
 * per-sender sequence number {@code n}. An activity is <em>accepted</em> when anyone received it, or
 * when its sender is a resume client (those resend until the server's lastSeq covers them). An accepted
 * activity is <em>owed</em> to every session that was open when it was last sent: opened (LOGIN_SUCCESS
 * received) before the send, and not logged out before it. Then:
 * <ul>
 *   <li>missing: an owed activity its session never received;
 *   <li>duplicate: received twice by one session; for classic users a duplicate is within the window
 *       when its first copy arrived at most {@code windowMillis} before one of that user's disconnects
 *       (it was in flight when the connection broke);
 *   <li>order violation: a session's first receipts of one sender's activities not in increasing n;
 *   <li>double name: more than one REGISTER_SUCCESS for one username.
 * </ul>
 * Example: u1 opens at t=10; u2 sends (u2, 1) at t=20 and (u2, 2) at t=30; u1 receives 2 then 1: one
 * order violation; if u1 never receives 2: one missing.
 */
public final class HistoryChecker {
  private record Sent(String sender, long n, long lastSentAt) {}

  private final Map<String, Boolean> resumeUser = new HashMap<>();
  private final Map<String, Long> openedAt = new HashMap<>();
  private final Map<String, Long> closedAt = new HashMap<>();
  private final Map<String, List<Long>> disconnects = new HashMap<>();
  private final Map<String, Integer> registerSuccesses = new TreeMap<>();
  private final Map<String, Sent> sent = new HashMap<>();
  /** receiver -> list of (sender, n, at) in arrival order. */
  private final Map<String, List<Object[]>> received = new HashMap<>();
  private final long windowMillis;
  /** Every recorded step, in order, for reading a failed run (see {@link #trace}). */
  private final List<String> trace = new ArrayList<>();

  public HistoryChecker(long windowMillis) {
    this.windowMillis = windowMillis;
  }

  private static String key(String sender, long n) {
    return sender + "/" + n;
  }

  /** Adds a free-form line (a fault, a server reached) to the trace. */
  public synchronized void note(String line) {
    trace.add(System.currentTimeMillis() + " " + line);
  }

  /** The whole history as lines, oldest first: what to read when a check fails. */
  public synchronized List<String> trace() {
    return new ArrayList<>(trace);
  }

  public synchronized void user(String username, boolean resume) {
    resumeUser.put(username, resume);
  }

  public synchronized void registerResult(String username, boolean success) {
    registerSuccesses.merge(username, success ? 1 : 0, Integer::sum);
  }

  /** A LOGIN_SUCCESS arrived for this user; the first one opens the session. */
  public synchronized void loggedIn(String username, long at) {
    trace.add(at + " " + username + " LOGIN_SUCCESS");
    if (!openedAt.containsKey(username) || closedAt.containsKey(username)) {
      openedAt.put(username, at);
      closedAt.remove(username);
    }
  }

  /** The user sent LOGOUT: the session ends. */
  public synchronized void loggedOut(String username, long at) {
    trace.add(at + " " + username + " LOGOUT");
    closedAt.put(username, at);
  }

  /** The user's connection ended without LOGOUT (by either side). */
  public synchronized void disconnected(String username, long at) {
    trace.add(at + " " + username + " disconnected");
    disconnects.computeIfAbsent(username, k -> new ArrayList<>()).add(at);
  }

  /** The user (re)sent its activity number n now. */
  public synchronized void sent(String sender, long n, long at) {
    trace.add(at + " " + sender + " sent " + n);
    sent.put(key(sender, n), new Sent(sender, n, at));
  }

  public synchronized void received(String receiver, String sender, long n, long at) {
    trace.add(at + " " + receiver + " got " + key(sender, n));
    received.computeIfAbsent(receiver, k -> new ArrayList<>()).add(new Object[] {sender, n, at});
  }

  public synchronized int sentCount() {
    return sent.size();
  }

  /** Totals of one check. */
  public static final class Report {
    public long accepted;
    public long unconfirmed;
    public long deliveries;
    public long missing;
    public long duplicatesResume;
    public long duplicatesClassic;
    public long duplicatesClassicOutsideWindow;
    public long orderViolations;
    public long doubleNames;
    /** The first 30 problems (for a one-line report). */
    public final List<String> problems = new ArrayList<>();
    /** Every problem. */
    public final List<String> allProblems = new ArrayList<>();

    /** True when nothing violates the guarantees (classic duplicates inside the window are allowed). */
    public boolean ok() {
      return missing == 0 && duplicatesResume == 0 && duplicatesClassicOutsideWindow == 0 && orderViolations == 0
          && doubleNames == 0;
    }

    private void problem(String p) {
      allProblems.add(p);
      if (problems.size() < 30) {
        problems.add(p);
      }
    }

    @Override
    public String toString() {
      return "accepted=" + accepted + " unconfirmed=" + unconfirmed + " deliveries=" + deliveries + " missing="
          + missing + " dupResume=" + duplicatesResume + " dupClassic=" + duplicatesClassic
          + " dupClassicOutsideWindow=" + duplicatesClassicOutsideWindow + " orderViolations=" + orderViolations
          + " doubleNames=" + doubleNames + (problems.isEmpty() ? "" : " problems=" + problems);
    }
  }

  public synchronized Report check() {
    Report r = new Report();
    registerSuccesses.forEach((name, n) -> {
      if (n > 1) {
        r.doubleNames++;
        r.problem("name " + name + " registered " + n + " times");
      }
    });
    Set<String> everReceived = new HashSet<>();
    received.values().forEach(list -> list.forEach(x -> everReceived.add(key((String) x[0], (Long) x[1]))));
    List<Sent> accepted = new ArrayList<>();
    for (Sent s : sent.values()) {
      if (everReceived.contains(key(s.sender, s.n)) || resumeUser.getOrDefault(s.sender, false)) {
        accepted.add(s);
      } else {
        r.unconfirmed++;
      }
    }
    r.accepted = accepted.size();
    for (String user : openedAt.keySet()) {
      long open = openedAt.get(user);
      long close = closedAt.getOrDefault(user, Long.MAX_VALUE);
      boolean resume = resumeUser.getOrDefault(user, false);
      List<Object[]> got = received.getOrDefault(user, List.of());
      Map<String, Long> firstAt = new HashMap<>();
      Map<String, Long> lastN = new HashMap<>();
      for (Object[] x : got) {
        String sender = (String) x[0];
        long n = (Long) x[1];
        long at = (Long) x[2];
        String k = key(sender, n);
        r.deliveries++;
        Long first = firstAt.putIfAbsent(k, at);
        if (first != null) {
          if (resume) {
            r.duplicatesResume++;
            r.problem(user + " (resume) got " + k + " twice");
          } else {
            r.duplicatesClassic++;
            if (!inFlightAtDisconnect(user, first)) {
              r.duplicatesClassicOutsideWindow++;
              r.problem(user + " (classic) got " + k + " twice, first copy not in flight at a disconnect");
            }
          }
          continue;
        }
        Long prev = lastN.get(sender);
        if (prev != null && n < prev) {
          r.orderViolations++;
          r.problem(user + " got " + sender + " " + n + " after " + prev);
        }
        lastN.merge(sender, n, Math::max);
      }
      for (Sent s : accepted) {
        if (s.lastSentAt > open && s.lastSentAt < close && !firstAt.containsKey(key(s.sender, s.n))) {
          r.missing++;
          r.problem(user + " never got " + key(s.sender, s.n) + " (sent " + (s.lastSentAt - open)
              + " ms after it opened)");
        }
      }
    }
    return r;
  }

  /**
   * The client's reader may still hand over lines it had buffered a moment after the client closed its
   * socket (the disconnect is stamped at the close): those were in flight at that disconnect too.
   */
  private static final long READER_DRAIN_MILLIS = 100;

  private boolean inFlightAtDisconnect(String user, long firstAt) {
    for (long d : disconnects.getOrDefault(user, List.of())) {
      if (firstAt <= d + READER_DRAIN_MILLIS && d - firstAt <= windowMillis) {
        return true;
      }
    }
    return false;
  }

  /** Owed activities not received yet (to wait for convergence before {@link #check}). */
  public synchronized long missingNow() {
    return check().missing;
  }
}
