package io.activitystreamer.state;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.replication.Event;
import io.activitystreamer.mesh.ReplicatedState;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Users, sessions and backlogs of the whole mesh, as seen by one server. Pure and single-threaded: the
 * ServerCore calls it on the state event loop with the time; it answers with return values and calls on a
 * {@link StateOutbox}.
 *
 * <p>Every change is an {@link Event} numbered by its origin. Local operations ({@link #register},
 * {@link #login}, {@link #accept}, {@link #detach}, {@link #logout}, {@link #tick}) emit an event,
 * apply it here and hand it to the outbox for replication; events of other origins come in through
 * {@link #apply} in origin order.
 *
 * <p>Delivery rule: a session is owed every activity its {@code start} vector (this server's applied
 * activity vector at LOGIN_SUCCESS) does not cover. Connected sessions get each activity as it is
 * applied on their server; a detached session's backlog is the log entries beyond its cursor. Example:
 * s1 opens when the applied vector is {A:4}; A accepts activity 5 while s1's connection is broken; s1
 * logs in again on B, whose log holds A:5 beyond s1's cursor {A:4}: B writes A:5, then LOGIN's later
 * traffic.
 */
public final class StateCore implements ReplicatedState {
  private final String self;
  private final StateOptions options;
  private final StateOutbox outbox;
  private final Map<String, UserRecord> users = new HashMap<>();
  private final Map<String, UserRecord> lostRegistrations = new HashMap<>();
  private final Map<String, SessionRecord> sessions = new LinkedHashMap<>();
  /**
   * Ids of closed sessions. Events of different origins are applied in different orders on different
   * servers: a SESSION_CLOSED may arrive before the SESSION_OPENED it closes (the closer saw both), so a
   * late OPENED of a closed session is ignored, and an event naming a session not opened here yet waits.
   */
  private final Set<String> closedSessions = new HashSet<>();
  private final ActivityLog log = new ActivityLog();
  private final Vector applied = new Vector();
  /** Last progress vector each host announced for the sessions attached to it. */
  private final Map<String, Vector> hostProgress = new HashMap<>();
  /**
   * When (on the host's clock) each host's progress vector was what it had written: it covers only the
   * sessions attached there before that time (a later one got its backlog later).
   */
  private final Map<String, Long> hostProgressAt = new HashMap<>();
  /** (time, applied vector) samples for the redelivery window. */
  private final ArrayDeque<Object[]> history = new ArrayDeque<>();
  private long seq;
  private long aseq;
  private long sessionCounter;
  private long droppedTotal;
  private Predicate<String> hostLive = h -> true;

  /** A session redirected less than this ago logs in where it was sent: it is not redirected again. */
  static final long PLACED_MILLIS = 10_000;
  /**
   * How long after its token expired the issuer closes a moving anonymous session (a LOGIN that presented
   * the token just in time, on another server, has closed it by then).
   */
  static final long TOKEN_CLOSE_GRACE_MILLIS = 5000;
  /** Token hash to the id of the moving anonymous session it resumes (see {@link #park}). */
  private final Map<String, String> tokens = new HashMap<>();
  /**
   * Anonymous sessions here that continue a move, until their first activity: the moving session's last
   * activity (or its issuer's activity number at the move), which that first activity depends on (G4).
   */
  private final Map<String, Dep> anonymousDeps = new HashMap<>();

  /** An activity another depends on: {@code aseq} of {@code origin}. */
  private record Dep(String origin, long aseq) {}

  public StateCore(String self, StateOptions options, StateOutbox outbox) {
    this.self = self;
    this.options = options;
    this.outbox = outbox;
  }

  /** The mesh tells which hosts are live, so a LOGIN can take over a session whose server died. */
  public void hostLiveness(Predicate<String> hostLive) {
    this.hostLive = hostLive;
  }

  // ---- queries ----

  public UserRecord user(String username) {
    return users.get(username);
  }

  @Override
  public boolean registered(String username) {
    return users.containsKey(username);
  }

  @Override
  public int sessionCount() {
    return sessions.size();
  }

  @Override
  public int userCount() {
    return users.size();
  }

  public Map<String, SessionRecord> sessions() {
    return sessions;
  }

  public Vector applied() {
    return applied;
  }

  /** True if every activity {@code received} names (origin: highest number) is applied here. */
  public boolean hasApplied(Vector received) {
    for (Map.Entry<String, Long> e : received.asMap().entrySet()) {
      if (!applied.covers(e.getKey(), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  public int logSize() {
    return log.size();
  }

  /** Bytes of the encoded lines the log keeps. */
  public long logBytes() {
    return log.bytes();
  }

  public long droppedTotal() {
    return droppedTotal;
  }

  // ---- local operations ----

  /** Registers a user here (the mesh has already agreed the name is free). False if it already exists. */
  public boolean register(String username, String salt, String hash, int iterations, long now) {
    if (users.containsKey(username)) {
      return false;
    }
    UserRecord u = new UserRecord(username, salt, hash, iterations, now, self);
    emit(Event.Type.USER_REGISTERED, u.toJson());
    return true;
  }

  /**
   * Opens or resumes the session of a named user that just proved its secret. {@code resume} is the
   * resume extension's object ({@code session}, {@code received}) or null for a classic client.
   */
  public LoginResult login(String username, JsonObject resume, long now) {
    SessionRecord s = pickSession(username, resume);
    if (s == null) {
      // No session to resume: a new one. (A classic LOGIN whose user still has a session attached to a
      // live server reaches this only after ServerCore waited for that server's detach in vain: it is
      // a second device, which gets a session of its own.)
      String id = self + "/" + (++sessionCounter);
      emit(Event.Type.SESSION_OPENED, new JsonObject().put("id", id).put("username", username)
          .put("start", applied.toJson()).put("at", now));
      return new LoginResult(id, false, List.of(), 0, 0, List.of(), false);
    }
    if (self.equals(s.host)) {
      // resumed while still attached to a connection here: that connection lets go first (the kick is
      // published before the LOGIN reply, so it cannot reach the new connection)
      outbox.kick(s.id);
    }
    Vector cursor = cursorOf(s).copy();
    if (resume != null && resume.getJsonObject(Fields.RECEIVED) != null) {
      cursor = Vector.fromJson(resume.getJsonObject(Fields.RECEIVED)).mergeMax(s.start);
    }
    boolean resumeLines = resume != null;
    List<Buffer> backlog = new ArrayList<>();
    for (ActivityLog.Entry e : log.after(cursor)) {
      backlog.add(resumeLines ? e.resumeLine() : e.classicLine());
    }
    long dropped = log.droppedFor(cursor);
    // The backlog is written, not yet read: if this connection breaks soon, the session must be owed it
    // again, so what it is known to have is the cursor it came with, not what this server has applied
    // (the redelivery window then decides, as for any later activity).
    emit(Event.Type.SESSION_ATTACHED, new JsonObject().put("id", s.id).put("delivered", cursor.toJson())
        .put("v", s.version + 1).put("at", now));
    boolean placed = s.redirectedAt > 0 && now - s.redirectedAt < PLACED_MILLIS;
    return new LoginResult(s.id, true, backlog, dropped, s.lastSeq(), List.of(), placed);
  }

  /**
   * The servers this server must hear from before it answers this LOGIN: those holding the session it
   * would take over. A resumed session attached elsewhere, or (classic) every session of the user
   * attached elsewhere when none is detached: usually a connection that broke a moment ago whose
   * server has not replicated the detach yet. Its last activities and its detach come from that
   * server in origin order, so once they are applied here the new session continues exactly where the
   * old one stopped (the sender's order, G4; no resent duplicate, G3). See StateVerticle for the wait.
   */
  public Set<String> loginWaitsFor(String username, JsonObject resume) {
    Set<String> hosts = new HashSet<>();
    if (Fields.ANONYMOUS.equals(username)) {
      SessionRecord s = parked(resume);
      if (s != null && s.host != null && !s.host.equals(self)) {
        hosts.add(s.host); // the move's detach (and the client's last activities there) are on their way
      } else if (s == null && presentsToken(resume)) {
        // a token not known here yet: its issuer's SESSION_OPENED went out just before the REDIRECT and
        // may still be on its way (a forged or used token of a live issuer waits, then is no resume)
        String issuer = issuerOf(resume.getString(Fields.TOKEN));
        if (issuer != null && !issuer.equals(self)) {
          hosts.add(issuer);
        }
      }
      return hosts;
    }
    if (resume != null && resume.getString(Fields.SESSION) != null) {
      SessionRecord s = sessions.get(resume.getString(Fields.SESSION));
      if (s != null && s.username.equals(username) && s.host != null && !s.host.equals(self)) {
        hosts.add(s.host);
      }
      return hosts;
    }
    for (SessionRecord s : sessions.values()) {
      if (s.username.equals(username)) {
        if (s.host == null || s.token != null) {
          return Set.of();
        }
        if (!s.host.equals(self)) {
          hosts.add(s.host);
        }
      }
    }
    return hosts;
  }

  private SessionRecord pickSession(String username, JsonObject resume) {
    if (resume != null && resume.getString(Fields.SESSION) != null) {
      SessionRecord s = sessions.get(resume.getString(Fields.SESSION));
      return s != null && s.username.equals(username) ? s : null;
    }
    for (SessionRecord s : sessions.values()) {
      if (s.username.equals(username) && (s.host == null || !hostLive.test(s.host))) {
        return s;
      }
    }
    return null;
  }

  /**
   * A server-initiated REDIRECT of an anonymous resume client begins: its position becomes a session of
   * the mesh (username {@code anonymous}), attached here, owed every activity {@code start} (the applied
   * vector at its LOGIN) does not cover, frozen now as {@link #freeze} does, which the next anonymous
   * LOGIN presenting {@code token} resumes until {@code expires} ({@link #resumeAnonymous}). The mesh
   * keeps only the token's SHA-256. {@code lastSeq}: the highest client seq its connection had accepted.
   * Returns the session's id; the connection's activities from now on belong to it, and its detach is
   * {@link #detach}'s.
   */
  public String park(String token, Vector start, long lastSeq, long expires, long now) {
    String id = self + "/" + (++sessionCounter);
    // owed what comes after its position now (what it was written, as freeze fixes it), which every
    // server knows from here on: a LOGIN elsewhere that stops waiting for the detach still resumes there
    Vector position = appliedAt(now - REDIRECT_GRACE_MILLIS).mergeMax(start);
    // its activities so far were accepted here (not on a replicated session): at most this server's last
    // activity number, which its next activity, wherever it is accepted, then follows (G4)
    emit(Event.Type.SESSION_OPENED, new JsonObject().put("id", id).put("username", Fields.ANONYMOUS)
        .put("start", position.toJson()).put("at", now).put("lastSeq", lastSeq)
        .put("token", Secrets.tokenHash(token)).put("expires", expires)
        .put("lastOrigin", self).put("lastAseq", aseq));
    freeze(id, now);
    return id;
  }

  /**
   * A new REDIRECT token of this server: its id, {@link #TOKEN_ISSUER_END}, then 128 random bits. The
   * issuer part tells a LOGIN on another server whose events to wait for (the random part is the secret).
   */
  public String newToken() {
    return self + TOKEN_ISSUER_END + Secrets.newToken();
  }

  /** Ends the issuer part of a token (the random part is URL-safe base64, without it). */
  static final char TOKEN_ISSUER_END = '~';

  /** The issuing server's id of a token from {@link #newToken}, or null. */
  static String issuerOf(String token) {
    int end = token.lastIndexOf(TOKEN_ISSUER_END);
    return end <= 0 ? null : token.substring(0, end);
  }

  /** True if {@code resume} carries a REDIRECT token (known here or not). */
  public static boolean presentsToken(JsonObject resume) {
    return resume != null && resume.getValue(Fields.TOKEN) instanceof String;
  }

  /** True if {@code resume} carries a token that resumes a moving anonymous session now. */
  public boolean resumesMove(JsonObject resume, long now) {
    return resumes(parked(resume), now);
  }

  private static boolean resumes(SessionRecord moving, long now) {
    return moving != null && now < moving.tokenExpires;
  }

  /** The moving anonymous session {@code resume.token} names (expired or not), or null. */
  private SessionRecord parked(JsonObject resume) {
    String id = presentsToken(resume) ? tokens.get(Secrets.tokenHash(resume.getString(Fields.TOKEN))) : null;
    return id == null ? null : sessions.get(id);
  }

  /**
   * An anonymous LOGIN presenting {@code resume.token}: the moving session it names continues on
   * {@code sessionId} (the new connection's anonymous session): its backlog (after {@code
   * resume.received}, if given), what the bounds dropped, its last client seq. The moving session closes
   * here, so the token is used once. Null when the token resumes nothing (unknown, expired, used): a
   * fresh anonymous session, never an error.
   */
  public LoginResult resumeAnonymous(String sessionId, JsonObject resume, long now) {
    SessionRecord s = parked(resume);
    if (!resumes(s, now)) {
      return null;
    }
    Vector cursor = cursorOf(s).copy();
    if (resume.getJsonObject(Fields.RECEIVED) != null) {
      cursor = Vector.fromJson(resume.getJsonObject(Fields.RECEIVED)).mergeMax(s.start);
    }
    List<Buffer> backlog = new ArrayList<>();
    for (ActivityLog.Entry e : log.after(cursor)) {
      backlog.add(e.resumeLine());
    }
    long dropped = log.droppedFor(cursor);
    boolean placed = s.redirectedAt > 0 && now - s.redirectedAt < PLACED_MILLIS;
    long lastSeq = s.lastSeq();
    if (s.lastOrigin != null) {
      anonymousDeps.put(sessionId, new Dep(s.lastOrigin, s.lastAseq));
    }
    logout(s.id);
    return new LoginResult(sessionId, true, backlog, dropped, lastSeq, List.of(), placed);
  }

  /**
   * Accepts an activity from a logged-in connection: numbers it, applies it (delivering it here) and
   * replicates it. A resume client's resend of an activity already accepted ({@code clientSeq} not above
   * the session's last) is dropped and false returned.
   */
  public boolean accept(String sessionId, String username, JsonObject activity, long clientSeq, String connection,
                        long now) {
    SessionRecord s = sessions.get(sessionId);
    if (s != null && clientSeq > 0 && s.accepted.contains(clientSeq)) {
      return false;
    }
    JsonObject body = new JsonObject().put("session", sessionId).put("user", username).put("sseq", clientSeq)
        .put("aseq", aseq + 1).put("at", now).put("activity", activity);
    if (s != null && s.lastOrigin != null && !s.lastOrigin.equals(self)) {
      body.put("dep", new JsonObject().put("origin", s.lastOrigin).put("aseq", s.lastAseq));
    }
    Dep moved = s == null && !anonymousDeps.isEmpty() ? anonymousDeps.remove(sessionId) : null;
    if (moved != null && !self.equals(moved.origin())) {
      body.put("dep", new JsonObject().put("origin", moved.origin()).put("aseq", moved.aseq()));
    }
    emit(Event.Type.ACTIVITY, body, connection);
    return true;
  }

  /**
   * The session's connection broke at {@code since}: it stays open, detached, owed everything after
   * what it was written up to {@code redeliverWindow} before that (the client may not have read the
   * last bytes). {@code exact}: the client read everything written so far (it is being redirected and
   * the REDIRECT line comes after them), so it is owed exactly what is applied from now on.
   * {@code read} (or null): the positions the client provably read through (it closed its end having
   * acknowledged every byte written to it, and the last batch written was cut at these positions).
   */
  public void detach(String sessionId, long since, boolean exact, Vector read) {
    SessionRecord s = sessions.get(sessionId);
    if (s == null || !self.equals(s.host)) {
      return;
    }
    Vector exactly = s.frozen != null ? s.frozen : applied.copy();
    Vector safe = (exact ? exactly : read != null ? read.copy()
        : writtenBefore(s, since - options.redeliverWindowMillis())).mergeMax(s.delivered);
    s.frozen = null;
    JsonObject body = new JsonObject().put("id", sessionId).put("delivered", safe.toJson()).put("v", s.version + 1);
    if (exact) {
      body.put("redirectedAt", since); // placed elsewhere by the balancer: not to be sent on again at once
    }
    emit(Event.Type.SESSION_DETACHED, body);
  }

  /**
   * A redirect of this session's connection begins: what it has been written is fixed now, and a later
   * exact {@link #detach} uses it, whatever is applied in between. Fixed a little before now (the
   * applied vector sampled at least {@link #REDIRECT_GRACE_MILLIS} ago): a client that closed on its
   * own a moment before, which the gateway has not noticed yet, may not have read the last lines, so
   * the next server repeats those few rather than lose them.
   */
  public void freeze(String sessionId, long now) {
    SessionRecord s = sessions.get(sessionId);
    if (s != null && self.equals(s.host)) {
      s.frozen = writtenBefore(s, now - REDIRECT_GRACE_MILLIS);
    }
  }

  /** See {@link #freeze}. */
  static final long REDIRECT_GRACE_MILLIS = 100;

  /**
   * How long an activity stays in the backlog although every session known here has it: a session
   * opened on another server a moment ago (its SESSION_OPENED still on its way) may be owed it, and a
   * LOGIN here may resume that session (docs/mesh.md, "backlog"). As long as a LOGIN waits for events
   * on their way ({@link LoginSync#MAX_MILLIS}); the count and byte bounds still apply.
   */
  static final long COVERED_HOLD_MILLIS = LoginSync.MAX_MILLIS;

  /** An anonymous session here ended (see {@link #resumeAnonymous}: what its first activity would follow). */
  public void anonymousEnded(String sessionId) {
    anonymousDeps.remove(sessionId);
  }

  public void logout(String sessionId) {
    if (sessions.containsKey(sessionId)) {
      emit(Event.Type.SESSION_CLOSED, new JsonObject().put("id", sessionId));
    }
  }

  /** Periodic: samples the applied vector, announces progress of attached sessions, applies bounds. */
  public void tick(long now) {
    history.addLast(new Object[] {now, applied.copy()});
    long keep = now - options.redeliverWindowMillis() - 4 * options.checkpointIntervalMillis();
    while (history.size() > 2 && (long) history.peekFirst()[0] < keep) {
      history.removeFirst();
    }
    Vector progress = appliedAt(now - options.redeliverWindowMillis());
    if (!progress.equals(hostProgress.get(self)) && hasAttachedHere()) {
      emit(Event.Type.HOST_PROGRESS, new JsonObject().put("vector", progress.toJson())
          .put("at", now - options.redeliverWindowMillis()));
    }
    int dropped = log.prune(minCursor(), now - COVERED_HOLD_MILLIS, options.backlogMaxCount(), options.maxBacklogBytes(),
        now - options.backlogMaxAgeMillis());
    droppedTotal += dropped;
    closeExpiredMoves(now);
  }

  /**
   * Moving anonymous sessions whose token expired a while ago are closed by their issuer (or, if it is
   * gone, by every server that notices: a second SESSION_CLOSED changes nothing).
   */
  private void closeExpiredMoves(long now) {
    if (tokens.isEmpty()) {
      return;
    }
    for (String id : new ArrayList<>(tokens.values())) {
      SessionRecord s = sessions.get(id);
      if (s != null && now > s.tokenExpires + TOKEN_CLOSE_GRACE_MILLIS
          && (self.equals(s.tokenBy) || !hostLive.test(s.tokenBy))) {
        logout(id);
      }
    }
  }

  private boolean hasAttachedHere() {
    for (SessionRecord s : sessions.values()) {
      if (self.equals(s.host)) {
        return true;
      }
    }
    return false;
  }

  /**
   * What session {@code s} (attached here) had been written by time {@code t}: the applied vector then,
   * or, if it attached after {@code t}, only what it came with (its backlog was written at the attach).
   */
  private Vector writtenBefore(SessionRecord s, long t) {
    return s.attachedAt > t ? s.delivered.copy() : appliedAt(t);
  }

  /** What is applied, per origin (an unmodifiable copy): stamped on delivery batches. */
  public Map<String, Long> appliedPositions() {
    return Map.copyOf(applied.asMap());
  }

  /** The applied vector at time {@code t}, from the samples (the oldest one if t is older). */
  Vector appliedAt(long t) {
    Vector best = null;
    for (Object[] sample : history) {
      if ((long) sample[0] <= t || best == null) {
        best = (Vector) sample[1];
      }
    }
    return best == null ? applied.copy() : best.copy();
  }

  /** The per-origin minimum of every open session's cursor; null if no session is open. */
  private Vector minCursor() {
    Vector min = null;
    for (SessionRecord s : sessions.values()) {
      Vector c = cursorOf(s);
      if (min == null) {
        min = c.copy();
      } else {
        Map<String, Long> m = min.asMap();
        for (String origin : new ArrayList<>(m.keySet())) {
          m.put(origin, Math.min(m.get(origin), c.get(origin)));
        }
      }
    }
    return min == null ? applied.copy() : min;
  }

  private Vector cursorOf(SessionRecord s) {
    if (s.host == null || s.token != null) {
      return s.delivered; // a moving session is written nothing more: its host's progress does not cover it
    }
    Vector p = hostProgress.get(s.host);
    Vector c = s.delivered.copy();
    // progress sampled before the session attached does not cover its backlog (events without a time: it does)
    boolean covers = hostProgressAt.getOrDefault(s.host, Long.MAX_VALUE) >= s.attachedAt;
    return p == null || !covers ? c : c.mergeMax(p);
  }

  // ---- replicated events ----

  private void emit(Event.Type type, JsonObject body) {
    emit(type, body, null);
  }

  private void emit(Event.Type type, JsonObject body, String connection) {
    Event e = new Event(self, ++seq, type, body);
    apply(e, connection);
    outbox.replicate(e);
  }

  /**
   * False while an activity depends on an earlier activity of the same sender (accepted by another
   * server before the sender moved) that is not applied here yet: per-sender order (G4).
   */
  public boolean ready(Event e) {
    if (e.type() == Event.Type.SESSION_ATTACHED || e.type() == Event.Type.SESSION_DETACHED
        || e.type() == Event.Type.SESSION_CLOSED) {
      String id = e.body().getString("id");
      return sessions.containsKey(id) || closedSessions.contains(id);
    }
    if (e.type() != Event.Type.ACTIVITY) {
      return true;
    }
    JsonObject dep = e.body().getJsonObject("dep");
    return dep == null || applied.covers(dep.getString("origin"), dep.getLong("aseq"));
  }

  /** Applies an event of another origin (the replicator guarantees exactly once, in origin order). */
  public void apply(Event e) {
    apply(e, null);
  }

  private void apply(Event e, String connection) {
    JsonObject b = e.body();
    switch (e.type()) {
      case USER_REGISTERED -> onUserRegistered(UserRecord.fromJson(b));
      case SESSION_OPENED -> {
        if (closedSessions.contains(b.getString("id"))) {
          return;
        }
        SessionRecord s = new SessionRecord(b.getString("id"), b.getString("username"),
            Vector.fromJson(b.getJsonObject("start")), e.origin(), b.getLong("at", 0L),
            SeqRanges.fromJson(null, b.getLong("lastSeq", 0L)));
        if (b.getString("token") != null) {
          s.token = b.getString("token");
          s.tokenExpires = b.getLong("expires", 0L);
          s.tokenBy = e.origin();
          tokens.put(s.token, s.id);
          s.lastOrigin = b.getString("lastOrigin");
          s.lastAseq = b.getLong("lastAseq", 0L);
        }
        sessions.put(s.id, s);
      }
      case SESSION_ATTACHED -> onAttached(e.origin(), b);
      case SESSION_DETACHED -> {
        SessionRecord s = sessions.get(b.getString("id"));
        if (s != null && s.supersededBy(b.getLong("v", 0L), 0, e.origin())) {
          if (self.equals(s.host) && !self.equals(e.origin())) {
            outbox.kick(s.id); // a concurrent detach elsewhere won: this connection no longer holds it
          }
          s.setVersion(b.getLong("v", 0L), 0, e.origin());
          s.host = null;
          s.delivered = Vector.fromJson(b.getJsonObject("delivered"));
          s.redirectedAt = b.getLong("redirectedAt", 0L);
        }
      }
      case SESSION_CLOSED -> {
        closedSessions.add(b.getString("id"));
        SessionRecord s = sessions.remove(b.getString("id"));
        if (s != null && s.token != null) {
          tokens.remove(s.token);
        }
        if (s != null && self.equals(s.host) && !self.equals(e.origin())) {
          outbox.kick(s.id);
        }
      }
      case HOST_PROGRESS -> {
        hostProgress.put(e.origin(), Vector.fromJson(b.getJsonObject("vector")));
        hostProgressAt.put(e.origin(), b.getLong("at", Long.MAX_VALUE));
      }
      case ACTIVITY -> onActivity(e.origin(), b, connection);
    }
  }

  private void onUserRegistered(UserRecord u) {
    UserRecord existing = users.get(u.username());
    if (existing == null || existing.equals(u)) {
      users.put(u.username(), u);
      return;
    }
    // one name registered on both sides of a partition: the earliest registration wins everywhere
    UserRecord winner = u.precedes(existing) ? u : existing;
    UserRecord loser = winner == u ? existing : u;
    users.put(u.username(), winner);
    lostRegistrations.put(u.username(), loser);
  }

  /** The registration of this name that lost to an earlier one after a partition healed, if any. */
  public UserRecord lostRegistration(String username) {
    return lostRegistrations.get(username);
  }

  /**
   * After this server rejoined as a new incarnation: re-announces the users its previous incarnation
   * knew (registered during a partition, say) that the mesh's snapshot lacks or holds differently, with
   * their original registration time, so every server resolves the conflict the same way.
   */
  public void reassert(List<UserRecord> known) {
    for (UserRecord u : known) {
      if (!u.equals(users.get(u.username()))) {
        emit(Event.Type.USER_REGISTERED, u.toJson());
      }
    }
  }

  public List<UserRecord> users() {
    return new ArrayList<>(users.values());
  }

  private void onAttached(String origin, JsonObject b) {
    SessionRecord s = sessions.get(b.getString("id"));
    if (s == null || !s.supersededBy(b.getLong("v", 0L), 1, origin)) {
      return; // an older takeover than the one applied here already
    }
    s.setVersion(b.getLong("v", 0L), 1, origin);
    if (self.equals(s.host) && !self.equals(origin)) {
      outbox.kick(s.id);
    }
    s.host = origin;
    s.delivered = Vector.fromJson(b.getJsonObject("delivered"));
    s.attachedAt = b.getLong("at", 0L);
  }

  private void onActivity(String origin, JsonObject b, String connection) {
    long n = b.getLong("aseq");
    if (self.equals(origin)) {
      aseq = n;
    }
    applied.set(origin, n);
    SessionRecord sender = sessions.get(b.getString("session"));
    long sseq = b.getLong("sseq", -1L);
    if (sender != null && sseq > 0 && sender.accepted.contains(sseq)) {
      // A resume client's resend accepted by a server that had not yet applied the first copy (the
      // client moved faster than replication, or sent it on both sides of a partition): applied, but
      // delivered and logged only once. (A seq below the highest but not accepted yet is not a resend:
      // it was accepted on the other side of a partition and arrives with the heal.)
      return;
    }
    ActivityLog.Entry entry = appendToLog(origin, n, b.getLong("at", 0L), b.getJsonObject("activity"));
    if (sender != null) {
      if (sseq > 0) {
        sender.accepted.add(sseq);
      }
      sender.lastOrigin = origin;
      sender.lastAseq = n;
    }
    outbox.deliver(new Delivery(entry.classicLine(), entry.resumeLine(), connection));
  }

  /** Installs a joining server's state from a member's {@link #snapshot}. */
  public void install(JsonObject snap) {
    users.clear();
    sessions.clear();
    hostProgress.clear();
    hostProgressAt.clear();
    JsonArray u = snap.getJsonArray("users");
    for (int i = 0; i < u.size(); i++) {
      onUserRegistered(UserRecord.fromJson(u.getJsonObject(i)));
    }
    closedSessions.clear();
    snap.getJsonArray("closed", new JsonArray()).forEach(id -> closedSessions.add((String) id));
    tokens.clear();
    JsonArray s = snap.getJsonArray("sessions");
    for (int i = 0; i < s.size(); i++) {
      SessionRecord r = SessionRecord.fromJson(s.getJsonObject(i));
      sessions.put(r.id, r);
      if (r.token != null) {
        tokens.put(r.token, r.id);
      }
    }
    applied.mergeMax(Vector.fromJson(snap.getJsonObject("applied")));
    JsonObject progress = snap.getJsonObject("hostProgress");
    for (String h : progress.fieldNames()) {
      hostProgress.put(h, Vector.fromJson(progress.getJsonObject(h)));
    }
    JsonObject progressAt = snap.getJsonObject("hostProgressAt", new JsonObject());
    for (String h : progressAt.fieldNames()) {
      hostProgressAt.put(h, progressAt.getLong(h));
    }
    JsonObject logJson = snap.getJsonObject("log");
    JsonArray entries = logJson.getJsonArray("entries");
    for (int i = 0; i < entries.size(); i++) {
      JsonObject e = entries.getJsonObject(i);
      appendToLog(e.getString("origin"), e.getLong("aseq"), e.getLong("at"), e.getJsonObject("activity"));
    }
    log.pruned().mergeMax(Vector.fromJson(logJson.getJsonObject("pruned")));
  }

  private ActivityLog.Entry appendToLog(String origin, long n, long at, JsonObject activity) {
    Buffer classic = MessageCodec.broadcast(activity);
    Buffer resume = MessageCodec.withEid(classic, origin, n);
    ActivityLog.Entry entry = new ActivityLog.Entry(origin, n, at, activity, classic, resume);
    log.append(entry);
    return entry;
  }

  /** Snapshot of everything replicated, for a joining server. */
  public JsonObject snapshot() {
    JsonArray u = new JsonArray();
    users.values().forEach(r -> u.add(r.toJson()));
    JsonArray s = new JsonArray();
    sessions.values().forEach(r -> s.add(r.toJson()));
    JsonObject progress = new JsonObject();
    hostProgress.forEach((h, v) -> progress.put(h, v.toJson()));
    JsonObject progressAt = new JsonObject();
    hostProgressAt.forEach(progressAt::put);
    return new JsonObject().put("users", u).put("sessions", s).put("applied", applied.toJson())
        .put("log", log.toJson()).put("hostProgress", progress).put("hostProgressAt", progressAt).put("closed", new JsonArray(new ArrayList<>(closedSessions)));
  }
}
