package io.activitystreamer.state;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.mesh.ReplicatedState;
import io.activitystreamer.replication.Event;
import io.activitystreamer.state.EventBody.Activity;
import io.activitystreamer.state.EventBody.HostProgress;
import io.activitystreamer.state.EventBody.SessionAttached;
import io.activitystreamer.state.EventBody.SessionClosed;
import io.activitystreamer.state.EventBody.SessionDetached;
import io.activitystreamer.state.EventBody.SessionOpened;
import io.activitystreamer.state.EventBody.UserRegistered;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
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
 * <p>A facade: it numbers, emits and dispatches the events (typed {@link EventBody}s, whose JSON only
 * {@link EventCodec} reads and writes), and owns the collaborators it hands each input to: {@link Users}
 * (registered users, lost registrations), {@link Sessions} (the session table, closed ids, tokens of
 * moving sessions; detach, freeze, logout), {@link LoginGrants} (what a LOGIN gets; anonymous moves),
 * {@link Activities} (accept, apply and deliver activities; per-sender order), {@link Progress} (the
 * applied vector, its samples, host progress, cursors), {@link ActivityLog} (the log, backlogs, bounds)
 * and {@link StateSnapshot} (the join snapshot).
 */
public final class StateCore implements ReplicatedState {
  /** How a collaborator emits a local event: numbered, applied here and replicated by the facade. */
  interface Emitter {
    /** {@code connection}: the sender's connection of an activity (null otherwise). */
    void emit(EventBody body, String connection);
  }

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

  private final String self;
  private final StateOptions options;
  private final StateOutbox outbox;
  private final Users users = new Users();
  private final Progress progress = new Progress();
  private final ActivityLog log = new ActivityLog();
  private final Sessions sessions;
  private final Activities activities;
  private final LoginGrants grants;
  private final StateSnapshot snapshots;
  private long seq;

  public StateCore(String self, StateOptions options, StateOutbox outbox) {
    this.self = self;
    this.options = options;
    this.outbox = outbox;
    this.sessions = new Sessions(self, options, outbox, this::emit, progress);
    this.activities = new Activities(self, outbox, this::emit, sessions, progress, log);
    this.grants = new LoginGrants(self, outbox, this::emit, sessions, progress, log, activities);
    this.snapshots = new StateSnapshot(users, sessions, progress, log);
  }

  /** The mesh tells which hosts are live, so a LOGIN can take over a session whose server died. */
  public void hostLiveness(Predicate<String> hostLive) { sessions.hostLive = hostLive; }

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
  public LoginResult login(String username, JsonObject resume, long now) { return grants.login(username, resume, now); }

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
    return grants.park(token, start, lastSeq, expires, now);
  }

  /**
   * A new REDIRECT token of this server: its id, {@link Sessions#TOKEN_ISSUER_END}, then 128 random bits.
   * The issuer part tells a LOGIN on another server whose events to wait for (the random part is the secret).
   */
  public String newToken() { return grants.newToken(); }

  /** True if {@code resume} carries a REDIRECT token (known here or not). */
  public static boolean presentsToken(JsonObject resume) { return Sessions.presentsToken(resume); }

  /** True if {@code resume} carries a token that resumes a moving anonymous session now. */
  public boolean resumesMove(JsonObject resume, long now) { return grants.resumesMove(resume, now); }

  /**
   * An anonymous LOGIN presenting {@code resume.token}: the moving session it names continues on
   * {@code sessionId} (the new connection's anonymous session): its backlog (after {@code
   * resume.received}, if given), what the bounds dropped, its last client seq. The moving session closes
   * here, so the token is used once. Null when the token resumes nothing (unknown, expired, used): a
   * fresh anonymous session, never an error.
   */
  public LoginResult resumeAnonymous(String sessionId, JsonObject resume, long now) {
    return grants.resumeAnonymous(sessionId, resume, now);
  }

  /** An anonymous session here ended (see {@link #resumeAnonymous}: what its first activity would follow). */
  public void anonymousEnded(String sessionId) { activities.anonymousEnded(sessionId); }

  /**
   * Accepts an activity from a logged-in connection: numbers it, applies it (delivering it here) and
   * replicates it. A resume client's resend of an activity already accepted ({@code clientSeq} not above
   * the session's last) is dropped and false returned.
   */
  public boolean accept(String sessionId, String username, JsonObject activity, long clientSeq, String connection,
                        long now) {
    return activities.accept(sessionId, username, activity, clientSeq, connection, now);
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
    sessions.detach(sessionId, since, exact, read);
  }

  /**
   * A redirect of this session's connection begins: what it has been written is fixed now, and a later
   * exact {@link #detach} uses it, whatever is applied in between. Fixed a little before now (the
   * applied vector sampled at least {@link #REDIRECT_GRACE_MILLIS} ago): a client that closed on its
   * own a moment before, which the gateway has not noticed yet, may not have read the last lines, so
   * the next server repeats those few rather than lose them.
   */
  public void freeze(String sessionId, long now) { sessions.freeze(sessionId, now); }

  public void logout(String sessionId) { sessions.logout(sessionId); }

  /**
   * Periodic: samples the applied vector, announces progress of attached sessions, applies bounds, and
   * closes the moving anonymous sessions whose token expired a while ago.
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
    grants.closeExpiredMoves(now);
  }

  // ---- replicated events ----

  /** Numbers a local event, applies it here (the record as it is, not decoded again) and replicates it. */
  private void emit(EventBody body, String connection) {
    Event e = new Event(self, ++seq, body.type(), EventCodec.encode(body));
    apply(self, body, connection);
    outbox.replicate(e);
  }

  /**
   * False while an activity depends on an earlier activity of the same sender (accepted by another
   * server before the sender moved) that is not applied here yet: per-sender order (G4). An event naming
   * a session not opened here yet waits too.
   */
  public boolean ready(Event e) {
    return switch (e.type()) {
      case SESSION_ATTACHED, SESSION_DETACHED, SESSION_CLOSED -> sessions.known(EventCodec.sessionOf(e.body()));
      case ACTIVITY -> activities.ready(EventCodec.dep(e.body()));
      default -> true;
    };
  }

  /** Applies an event of another origin (the replicator guarantees exactly once, in origin order). */
  public void apply(Event e) { apply(e.origin(), EventCodec.decode(e), null); }

  private void apply(String origin, EventBody body, String connection) {
    if (body instanceof Activity a) {
      activities.onActivity(origin, a, connection);
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

  /** Installs a joining server's state from a member's {@link #snapshot}. */
  public void install(JsonObject snap) { snapshots.install(snap); }

  /** Snapshot of everything replicated, for a joining server. */
  public JsonObject snapshot() { return snapshots.snapshot(); }
}
