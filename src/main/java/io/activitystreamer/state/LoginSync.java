package io.activitystreamer.state;

import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonObject;

/**
 * When a named LOGIN may be answered (docs/mesh.md, "LOGIN on another server"): once every linked
 * member answered the login sync asked at its arrival (so a session of the user not heard of here yet
 * is here), and this server has what the session it takes over, and the client itself, already hold;
 * at most {@link #MAX_MILLIS} after it arrived (then availability wins). Pure; {@link Logins} retries a waiting LOGIN on every
 * tick.
 */
public final class LoginSync {
  /** A LOGIN waits at most this long. */
  public static final long MAX_MILLIS = 2000;

  private LoginSync() {}

  /** {@code resume}: the resume extension's object, or null for a classic LOGIN. */
  public static boolean ready(StateCore state, MeshCore mesh, String username, JsonObject resume, long since,
                              long now) {
    if (now - since >= MAX_MILLIS) {
      return true;
    }
    if (!Fields.ANONYMOUS.equals(username) && !mesh.syncedWithLinked(since)) {
      return false; // a linked member may hold a session of this user not heard of here yet (G4)
    }
    if (!mesh.caughtUpWithUnreachable(since)) {
      return false; // a session of this user we have not heard of may be behind that gap (G4)
    }
    for (String host : state.loginWaitsFor(username, resume)) {
      if (mesh.linkedTo(host) || !mesh.caughtUpWith(host, since)) {
        return false; // the session's last activities and its detach are on their way
      }
    }
    JsonObject received = resume == null ? null : resume.getJsonObject(Fields.RECEIVED);
    // a resume client that already got activities not applied here yet (it came from a server ahead of
    // this one): once they are, its backlog starts after them and none of them reaches it live again
    return received == null || state.hasApplied(Vector.fromJson(received));
  }
}
