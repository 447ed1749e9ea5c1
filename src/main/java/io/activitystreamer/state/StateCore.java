package io.activitystreamer.state;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.mesh.ReplicatedState;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.state.EventBody.Activity;
import io.activitystreamer.state.EventBody.Dep;
import io.activitystreamer.state.EventBody.HostProgress;
import io.activitystreamer.state.EventBody.SessionAttached;
import io.activitystreamer.state.EventBody.SessionClosed;
import io.activitystreamer.state.EventBody.SessionDetached;
import io.activitystreamer.state.EventBody.SessionOpened;
import io.activitystreamer.state.EventBody.UserRegistered;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>A facade: it numbers, emits and dispatches the events, and owns the collaborators. {@link Users}
 * (registered users, lost registrations), {@link Sessions} (the session table, closed ids, moving
 * sessions and their tokens, which session a LOGIN takes over), {@link Progress} (the applied vector, its
 * samples, host progress, cursors), {@link ActivityLog} (the log, backlogs, bounds), {@link
 * StateSnapshot} (the join snapshot) and {@link EventCodec} (the typed {@link EventBody}s to JSON and back).
 */
public final class StateCore implements ReplicatedState {
  private final String self;
  private final StateOptions options;
  private final StateOutbox outbox;
  private final Users users = new Users();
  private final Progress progress = new Progress();
  private final Sessions sessions;
  private final ActivityLog log = new ActivityLog();
  private final StateSnapshot snapshots;
  private long seq;
  private long aseq;
  private long sessionCounter;
  private Predicate<String> hostLive = h -> true;
  /**
   * Anonymous sessions here that continue a move, until their first activity: the moving session's last
   * activity (or its issuer's activity number at the move), which that first activity depends on (G4).
   */
  private final Map<String, Dep> anonymousDeps = new HashMap<>();

  /** A session redirected less than this ago logs in where it was sent: it is not redirected again. */
  static final long PLACED_MILLIS = 10_000;
  /**
   * How long after its token expired the issuer closes a moving anonymous session (a LOGIN that presented
   * the token just in time, on another server, has closed it by then).
   */
  static final long TOKEN_CLOSE_GRACE_MILLIS = 5000;
  /** See {@link #freeze}. */
  static final long REDIRECT_GRACE_MILLIS = 100;
  /**
   * How long an activity stays in the backlog although every session known here has it: a session
   * opened on another server a moment ago (its SESSION_OPENED still on its way) may be owed it, and a
   * LOGIN here may resume that session (docs/mesh.md, "backlog"). As long as a LOGIN waits for events
   * on their way ({@link LoginSync#MAX_MILLIS}); the count and byte bounds still apply.
   */
  static final long COVERED_HOLD_MILLIS = LoginSync.MAX_MILLIS;

  public StateCore(String self, StateOptions options, StateOutbox outbox) {
    this.self = self;
    this.options = options;
    this.outbox = outbox;
    this.sessions = new Sessions(self, outbox, progress);
    this.snapshots = new StateSnapshot(users, sessions, progress, log);
  }

  /** The mesh tells which hosts are live, so a LOGIN can take over a session whose server died. */
  public void hostLiveness(Predicate<String> hostLive) { this.hostLive = hostLive; }

  // ---- queries ----

  public UserRecord user(String username) { return users.get(username); }

  @Override
  public boolean registered(String username) { return users.contains(username); }

  @Override
  public int sessionCount() { return sessions.table.size(); }

  @Override
  public int userCount() { return users.size(); }

  public Map<String, SessionRecord> sessions() { return sessions.table; }

  public Vector applied() { return progress.applied; }

  /** True if every activity {@code received} names (origin: highest number) is applied here. */
  public boolean hasApplied(Vector received) { return progress.hasApplied(received); }

  /** What is applied, per origin (an unmodifiable copy): stamped on delivery batches. */
  public Map<String, Long> appliedPositions() { return Map.copyOf(progress.applied.asMap()); }

  public int logSize() { return log.size(); }

  /** Bytes of the encoded lines the log keeps. */
  public long logBytes() { return log.bytes(); }

  public long droppedTotal() { return log.droppedTotal(); }

  /** The registration of this name that lost to an earlier one after a partition healed, if any. */
  public UserRecord lostRegistration(String username) { return users.lost(username); }

  public List<UserRecord> users() { return new ArrayList<>(users.all()); }

  // ---- local operations ----

  /** Registers a user here (the mesh has already agreed the name is free). False if it already exists. */
  public boolean register(String username, String salt, String hash, int iterations, long now) {
    if (users.contains(username)) {
      return false;
    }
    emit(new UserRegistered(new UserRecord(username, salt, hash, iterations, now, self)), null);
    return true;
  }

  /**
   * After this server rejoined as a new incarnation: re-announces the users its previous incarnation
   * knew (registered during a partition, say) that the mesh's snapshot lacks or holds differently, with
   * their original registration time, so every server resolves the conflict the same way.
   */
  public void reassert(List<UserRecord> known) {
    for (UserRecord u : users.differing(known)) {
      emit(new UserRegistered(u), null);
    }
  }

  /**
   * Opens or resumes the session of a named user that just proved its secret. {@code resume} is the
   * resume extension's object ({@code session}, {@code received}) or null for a classic client.
   */
  public LoginResult login(String username, JsonObject resume, long now) {
    SessionRecord s = sessions.pick(username, resume, hostLive);
    if (s == null) {
      // No session to resume: a new one. (A classic LOGIN whose user still has a session attached to a
      // live server reaches this only after ServerCore waited for that server's detach in vain: it is
      // a second device, which gets a session of its own.)
      String id = self + "/" + (++sessionCounter);
      emit(SessionOpened.named(id, username, progress.applied.copy(), now), null);
      return new LoginResult(id, false, List.of(), 0, 0, List.of(), false);
    }
    if (self.equals(s.host)) {
      // resumed while still attached to a connection here: that connection lets go first (the kick is
      // published before the LOGIN reply, so it cannot reach the new connection)
      outbox.kick(s.id);
    }
    Vector cursor = resumeCursor(s, resume);
    List<Buffer> backlog = log.backlog(cursor, resume != null);
    long dropped = log.droppedFor(cursor);
    // The backlog is written, not yet read: if this connection breaks soon, the session must be owed it
    // again, so what it is known to have is the cursor it came with, not what this server has applied
    // (the redelivery window then decides, as for any later activity).
    emit(new SessionAttached(s.id, cursor.copy(), s.version + 1, now), null);
    return new LoginResult(s.id, true, backlog, dropped, s.lastSeq(), List.of(), placed(s, now));
  }

  /** Where session {@code s} resumes: what {@code resume.received} names (at least its start), else its cursor. */
  private Vector resumeCursor(SessionRecord s, JsonObject resume) {
    if (resume != null && resume.getJsonObject(Fields.RECEIVED) != null) {
      return Vector.fromJson(resume.getJsonObject(Fields.RECEIVED)).mergeMax(s.start);
    }
    return progress.cursorOf(s).copy();
  }

  private static boolean placed(SessionRecord s, long now) {
    return s.redirectedAt > 0 && now - s.redirectedAt < PLACED_MILLIS;
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
    return sessions.loginWaitsFor(username, resume);
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
    Vector position = progress.appliedAt(now - REDIRECT_GRACE_MILLIS).mergeMax(start);
    // its activities so far were accepted here (not on a replicated session): at most this server's last
    // activity number, which its next activity, wherever it is accepted, then follows (G4)
    emit(new SessionOpened(id, Fields.ANONYMOUS, position, now, lastSeq, Secrets.tokenHash(token), expires, self,
        aseq), null);
    freeze(id, now);
    return id;
  }

  /**
   * A new REDIRECT token of this server: its id, {@link Sessions#TOKEN_ISSUER_END}, then 128 random bits.
   * The issuer part tells a LOGIN on another server whose events to wait for (the random part is the secret).
   */
  public String newToken() { return self + Sessions.TOKEN_ISSUER_END + Secrets.newToken(); }

  /** True if {@code resume} carries a REDIRECT token (known here or not). */
  public static boolean presentsToken(JsonObject resume) { return Sessions.presentsToken(resume); }

  /** True if {@code resume} carries a token that resumes a moving anonymous session now. */
  public boolean resumesMove(JsonObject resume, long now) { return resumes(sessions.parked(resume), now); }

  private static boolean resumes(SessionRecord moving, long now) {
    return moving != null && now < moving.tokenExpires;
  }

  /**
   * An anonymous LOGIN presenting {@code resume.token}: the moving session it names continues on
   * {@code sessionId} (the new connection's anonymous session): its backlog (after {@code
   * resume.received}, if given), what the bounds dropped, its last client seq. The moving session closes
   * here, so the token is used once. Null when the token resumes nothing (unknown, expired, used): a
   * fresh anonymous session, never an error.
   */
  public LoginResult resumeAnonymous(String sessionId, JsonObject resume, long now) {
    SessionRecord s = sessions.parked(resume);
    if (!resumes(s, now)) {
      return null;
    }
    Vector cursor = resumeCursor(s, resume);
    List<Buffer> backlog = log.backlog(cursor, true);
    long dropped = log.droppedFor(cursor);
    long lastSeq = s.lastSeq();
    if (s.lastOrigin != null) {
      anonymousDeps.put(sessionId, new Dep(s.lastOrigin, s.lastAseq));
    }
    logout(s.id);
    return new LoginResult(sessionId, true, backlog, dropped, lastSeq, List.of(), placed(s, now));
  }

  /** An anonymous session here ended (see {@link #resumeAnonymous}: what its first activity would follow). */
  public void anonymousEnded(String sessionId) { anonymousDeps.remove(sessionId); }

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
    Dep dep = s != null && s.lastOrigin != null && !s.lastOrigin.equals(self) ? new Dep(s.lastOrigin, s.lastAseq)
        : null;
    Dep moved = s == null && !anonymousDeps.isEmpty() ? anonymousDeps.remove(sessionId) : null;
    if (moved != null && !self.equals(moved.origin())) {
      dep = moved;
    }
    emit(new Activity(sessionId, username, clientSeq, aseq + 1, now, activity, dep), connection);
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
    Vector exactly = s.frozen != null ? s.frozen : progress.applied.copy();
    Vector safe = (exact ? exactly : read != null ? read.copy()
        : progress.writtenBefore(s, since - options.redeliverWindowMillis())).mergeMax(s.delivered);
    s.frozen = null;
    // redirectedAt: placed elsewhere by the balancer, not to be sent on again at once
    emit(new SessionDetached(sessionId, safe, s.version + 1, exact ? since : null), null);
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
      s.frozen = progress.writtenBefore(s, now - REDIRECT_GRACE_MILLIS);
    }
  }

  public void logout(String sessionId) {
    if (sessions.table.containsKey(sessionId)) {
      emit(new SessionClosed(sessionId), null);
    }
  }

  /**
   * Periodic: samples the applied vector, announces progress of attached sessions, applies bounds, and
   * closes the moving anonymous sessions whose token expired a while ago ({@link Sessions#expiredMoves}).
   */
  public void tick(long now) {
    progress.sample(now, now - options.redeliverWindowMillis() - 4 * options.checkpointIntervalMillis());
    long window = now - options.redeliverWindowMillis();
    Vector announced = progress.appliedAt(window);
    if (!announced.equals(progress.hosts.get(self)) && sessions.hasAttachedHere()) {
      emit(new HostProgress(announced, window), null);
    }
    log.prune(sessions.minCursor(), now - COVERED_HOLD_MILLIS, options.backlogMaxCount(), options.maxBacklogBytes(),
        now - options.backlogMaxAgeMillis());
    for (String id : sessions.expiredMoves(now, TOKEN_CLOSE_GRACE_MILLIS, hostLive)) {
      logout(id);
    }
  }

  // ---- replicated events ----

  /** Numbers a local event, applies it here (the body as it is, not decoded again) and replicates it. */
  private void emit(EventBody body, String connection) {
    Event e = new Event(self, ++seq, body.type(), EventCodec.encode(body));
    apply(self, body, connection);
    outbox.replicate(e);
  }

  /**
   * False while an activity depends on an earlier activity of the same sender (accepted by another
   * server before the sender moved) that is not applied here yet: per-sender order (G4).
   */
  public boolean ready(Event e) {
    if (e.type() == Event.Type.SESSION_ATTACHED || e.type() == Event.Type.SESSION_DETACHED
        || e.type() == Event.Type.SESSION_CLOSED) {
      return sessions.known(EventCodec.sessionOf(e.body()));
    }
    if (e.type() != Event.Type.ACTIVITY) {
      return true;
    }
    Dep dep = EventCodec.dep(e.body());
    return dep == null || progress.applied.covers(dep.origin(), dep.aseq());
  }

  /** Applies an event of another origin (the replicator guarantees exactly once, in origin order). */
  public void apply(Event e) {
    JsonObject b = e.body();
    EventBody body = switch (e.type()) {
      case USER_REGISTERED -> EventCodec.userRegistered(b);
      case SESSION_OPENED -> EventCodec.sessionOpened(b);
      case SESSION_ATTACHED -> EventCodec.sessionAttached(b);
      case SESSION_DETACHED -> EventCodec.sessionDetached(b);
      case SESSION_CLOSED -> EventCodec.sessionClosed(b);
      case HOST_PROGRESS -> EventCodec.hostProgress(b);
      case ACTIVITY -> EventCodec.activity(b);
    };
    apply(e.origin(), body, null);
  }

  private void apply(String origin, EventBody body, String connection) {
    if (body instanceof Activity a) {
      onActivity(origin, a, connection);
    } else if (body instanceof UserRegistered u) {
      users.onRegistered(u.user());
    } else if (body instanceof SessionOpened o) {
      sessions.onOpened(origin, o);
    } else if (body instanceof SessionAttached a) {
      sessions.onAttached(origin, a);
    } else if (body instanceof SessionDetached d) {
      sessions.onDetached(origin, d);
    } else if (body instanceof SessionClosed c) {
      sessions.onClosed(origin, c);
    } else {
      progress.onHostProgress(origin, (HostProgress) body);
    }
  }

  private void onActivity(String origin, Activity a, String connection) {
    long n = a.aseq();
    if (self.equals(origin)) {
      aseq = n;
    }
    progress.applied.set(origin, n);
    SessionRecord sender = sessions.get(a.session());
    long sseq = a.sseq();
    if (sender != null && sseq > 0 && sender.accepted.contains(sseq)) {
      // A resume client's resend accepted by a server that had not yet applied the first copy (the
      // client moved faster than replication, or sent it on both sides of a partition): applied, but
      // delivered and logged only once. (A seq below the highest but not accepted yet is not a resend:
      // it was accepted on the other side of a partition and arrives with the heal.)
      return;
    }
    ActivityLog.Entry entry = log.append(origin, n, a.at(), a.activity());
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
  public void install(JsonObject snap) { snapshots.install(snap); }

  /** Snapshot of everything replicated, for a joining server. */
  public JsonObject snapshot() { return snapshots.snapshot(); }
}
