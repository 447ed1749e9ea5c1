package io.activitystreamer.state;

import io.activitystreamer.mesh.MeshCore;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Named LOGINs waiting for the login sync ({@link LoginSync}): one that would take over a session
 * attached to another server waits until this server has that server's events up to the session's
 * detach, at most {@link LoginSync#MAX_MILLIS}; retried on every tick, in arrival order. Pure and
 * single-threaded; owned by {@link Logins} (of a ServerCore) on the state loop. {@code R} is the
 * adapter's handle of the request.
 */
public final class PendingLogins<R> {
  private record Waiting<R>(R request, String username, JsonObject resume, String connection, long since) {}

  private final List<Waiting<R>> waiting = new ArrayList<>();

  /** True if the LOGIN may be answered now; else it waits (from {@code now}). */
  public boolean readyOrWait(StateCore state, MeshCore mesh, R request, String username, JsonObject resume,
                             String connection, long now) {
    if (LoginSync.ready(state, mesh, username, resume, now, now)) {
      return true;
    }
    mesh.askSync(now);
    waiting.add(new Waiting<>(request, username, resume, connection, now));
    return false;
  }

  /** Completes, in arrival order, each waiting LOGIN that may be answered now (each sees the ones before). */
  public void retry(StateCore state, MeshCore mesh, long now, Consumer<R> complete) {
    if (waiting.isEmpty()) {
      return;
    }
    List<Waiting<R>> all = new ArrayList<>(waiting);
    waiting.clear();
    for (Waiting<R> w : all) {
      if (LoginSync.ready(state, mesh, w.username(), w.resume(), w.since(), now)) {
        complete.accept(w.request());
      } else {
        waiting.add(w);
      }
    }
  }

  /**
   * The connection of a waiting LOGIN closed: it is dropped (completed later, it would take the session
   * the user's next connection, which may be waiting here too, needs). Returns the dropped requests.
   */
  public List<R> cancel(String connection) {
    List<R> gone = new ArrayList<>();
    waiting.removeIf(w -> {
      boolean match = connection != null && connection.equals(w.connection());
      if (match) {
        gone.add(w.request());
      }
      return match;
    });
    return gone;
  }

  public int size() {
    return waiting.size();
  }
}
