package io.activitystreamer.state;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.state.EventBody.Dep;
import io.activitystreamer.state.EventBody.SessionAttached;
import io.activitystreamer.state.EventBody.SessionOpened;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a LOGIN gets: a named user's new or resumed session (its backlog, what the bounds dropped, its
 * last client seq), and the moves of anonymous resume clients: a REDIRECT parks the client's position
 * as a moving session behind a token, the next anonymous LOGIN presenting it resumes there once, and
 * the moves whose token expired are closed. Plain and single-threaded; owned by {@link StateCore}, on the
 * state loop.
 */
final class LoginGrants {
  private final String self;
  private final StateOutbox outbox;
  private final StateCore.Emitter emitter;
  private final Sessions sessions;
  private final Progress progress;
  private final ActivityLog log;
  private final Activities activities;

  LoginGrants(String self, StateOutbox outbox, StateCore.Emitter emitter, Sessions sessions, Progress progress,
         ActivityLog log, Activities activities) {
    this.self = self;
    this.outbox = outbox;
    this.emitter = emitter;
    this.sessions = sessions;
    this.progress = progress;
    this.log = log;
    this.activities = activities;
  }

  /** See {@link StateCore#login}. */
  LoginResult login(String username, JsonObject resume, long now) {
    SessionRecord s = sessions.pick(username, resume);
    if (s == null) {
      // No session to resume: a new one. (A classic LOGIN whose user still has a session attached to a
      // live server reaches this only after ServerCore waited for that server's detach in vain: it is
      // a second device, which gets a session of its own.)
      String id = sessions.newId();
      emitter.emit(SessionOpened.named(id, username, progress.applied.copy(), now), null);
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
    emitter.emit(new SessionAttached(s.id, cursor, s.version + 1, now), null);
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
    return s.redirectedAt > 0 && now - s.redirectedAt < StateCore.PLACED_MILLIS;
  }

  /** See {@link StateCore#park}. */
  String park(String token, Vector start, long lastSeq, long expires, long now) {
    String id = sessions.newId();
    // owed what comes after its position now (what it was written, as freeze fixes it), which every
    // server knows from here on: a LOGIN elsewhere that stops waiting for the detach still resumes there
    Vector position = progress.appliedAt(now - StateCore.REDIRECT_GRACE_MILLIS).mergeMax(start);
    // its activities so far were accepted here (not on a replicated session): at most this server's last
    // activity number, which its next activity, wherever it is accepted, then follows (G4)
    emitter.emit(new SessionOpened(id, Fields.ANONYMOUS, position, now, lastSeq, Secrets.tokenHash(token), expires,
        self, activities.lastAseq()), null);
    sessions.freeze(id, now);
    return id;
  }

  /** See {@link StateCore#newToken}. */
  String newToken() {
    return self + Sessions.TOKEN_ISSUER_END + Secrets.newToken();
  }

  boolean resumesMove(JsonObject resume, long now) {
    return resumes(sessions.parked(resume), now);
  }

  private static boolean resumes(SessionRecord moving, long now) {
    return moving != null && now < moving.tokenExpires;
  }

  /** See {@link StateCore#resumeAnonymous}. */
  LoginResult resumeAnonymous(String sessionId, JsonObject resume, long now) {
    SessionRecord s = sessions.parked(resume);
    if (!resumes(s, now)) {
      return null;
    }
    Vector cursor = resumeCursor(s, resume);
    List<Buffer> backlog = log.backlog(cursor, true);
    long dropped = log.droppedFor(cursor);
    long lastSeq = s.lastSeq();
    if (s.lastOrigin != null) {
      activities.continues(sessionId, new Dep(s.lastOrigin, s.lastAseq));
    }
    sessions.logout(s.id);
    return new LoginResult(sessionId, true, backlog, dropped, lastSeq, List.of(), placed(s, now));
  }

  /**
   * Closes the moving anonymous sessions whose token expired {@link StateCore#TOKEN_CLOSE_GRACE_MILLIS}
   * ago (see {@link Sessions#expiredMoves}).
   */
  void closeExpiredMoves(long now) {
    for (String id : sessions.expiredMoves(now, StateCore.TOKEN_CLOSE_GRACE_MILLIS)) {
      sessions.logout(id);
    }
  }
}
