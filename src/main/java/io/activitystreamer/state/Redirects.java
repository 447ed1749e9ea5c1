package io.activitystreamer.state;

import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonObject;

/**
 * The server side of a redirect: the freeze that begins it (what the session has been written is
 * fixed, the load moves to the target, the target is announced), and for an anonymous resume client
 * ({@link AnonymousResumes}) the REDIRECT token that turns its position into a moving session of the
 * mesh, the activities it still sends meanwhile (they go to the moving session) and its end here
 * (which detaches the moving session). Pure and single-threaded; owned by {@link ServerCore} on the
 * state loop, which hands it the time.
 */
final class Redirects {
  private final ServerCore.Options options;
  private final StateCore state;
  private final MeshCore mesh;
  private final MemberList members;
  private final AnonymousResumes anonymousResumes;

  Redirects(ServerCore.Options options, StateCore state, MeshCore mesh, MemberList members,
            AnonymousResumes anonymousResumes) {
    this.options = options;
    this.state = state;
    this.mesh = mesh;
    this.members = members;
    this.anonymousResumes = anonymousResumes;
  }

  /**
   * The session an activity of {@code session} with {@code clientSeq} goes to: its own, or for an
   * anonymous resume client whose REDIRECT is on its way, the moving session's.
   */
  String sessionOf(String session, long clientSeq) {
    AnonymousResumes.Client a = anonymousResumes.get(session);
    if (a == null) {
      return session;
    }
    a.lastSeq = Math.max(a.lastSeq, clientSeq);
    return a.moving != null ? a.moving : session;
  }

  /** See {@link ServerCore#freeze}; returns the reply's body. */
  JsonObject freeze(String session, JsonObject target, long now) {
    JsonObject answer = new JsonObject();
    AnonymousResumes.Client a = anonymousResumes.get(session);
    if (a == null || a.moving != null) {
      state.freeze(session, now);
    } else {
      String token = state.newToken();
      long ttl = options.redirectTokenMillis();
      a.moving = state.park(token, a.start, a.lastSeq, now + ttl, now);
      answer.put(Fields.RESUME, new JsonObject().put(Fields.TOKEN, token).put(Fields.EXPIRES_IN_MILLIS, ttl));
    }
    members.redirectBegun();
    members.changed();
    if (target != null) {
      mesh.announceRedirect(target.getString(Fields.HOSTNAME), target.getInteger(Fields.PORT), now);
    }
    return answer;
  }

  /** An anonymous connection ended here: its session ends, and a move it began detaches. */
  void anonymousEnded(String session, long since, boolean exact) {
    AnonymousResumes.Client a = anonymousResumes.remove(session);
    state.anonymousEnded(session);
    if (a != null && a.moving != null) {
      state.detach(a.moving, since, exact, null);
    }
  }
}
