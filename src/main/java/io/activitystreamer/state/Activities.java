package io.activitystreamer.state;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.state.EventBody.Activity;
import io.activitystreamer.state.EventBody.Dep;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * The activities of the mesh as this server applies them: numbers its own ({@code aseq}), drops a resume
 * client's resend, logs each activity once into the {@link ActivityLog} and hands its lines to the
 * outbox for delivery here, and keeps per-sender order (G4): an activity names the earlier one of its
 * sender it follows when that was accepted elsewhere (its {@link Dep}). Plain and single-threaded; owned by
 * {@link StateCore}, on the state loop.
 */
final class Activities {
  private final String self;
  private final StateOutbox outbox;
  private final StateCore.Emitter emitter;
  private final Sessions sessions;
  private final Progress progress;
  private final ActivityLog log;
  /** The number of this server's last activity. */
  private long aseq;
  /**
   * Anonymous sessions here that continue a move, until their first activity: the moving session's last
   * activity (or its issuer's activity number at the move), which that first activity depends on (G4).
   */
  private final Map<String, Dep> anonymousDeps = new HashMap<>();

  Activities(String self, StateOutbox outbox, StateCore.Emitter emitter, Sessions sessions, Progress progress,
             ActivityLog log) {
    this.self = self;
    this.outbox = outbox;
    this.emitter = emitter;
    this.sessions = sessions;
    this.progress = progress;
    this.log = log;
  }

  long lastAseq() {
    return aseq;
  }

  /** See {@link StateCore#accept}. */
  boolean accept(String sessionId, String username, JsonObject activity, long clientSeq, String connection,
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
    emitter.emit(new Activity(sessionId, username, clientSeq, aseq + 1, now, activity, dep), connection);
    return true;
  }

  /** True once the activity {@code dep} names (null: none) is applied here. */
  boolean ready(Dep dep) {
    return dep == null || progress.applied.covers(dep.origin(), dep.aseq());
  }

  /** Anonymous session {@code sessionId} here continues a move whose last activity was {@code dep}. */
  void continues(String sessionId, Dep dep) {
    anonymousDeps.put(sessionId, dep);
  }

  /** An anonymous session here ended. */
  void anonymousEnded(String sessionId) {
    anonymousDeps.remove(sessionId);
  }

  /** Applies activity {@code a} of {@code origin}; {@code connection}: the sender's, if it is here. */
  void onActivity(String origin, Activity a, String connection) {
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
}
