package io.activitystreamer.state;

import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.mesh.MeshCore;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * LOGINs, from their arrival to their reply: the login sync a LOGIN may wait for ({@link LoginSync},
 * with the waiting ones in {@link PendingLogins}, retried on every tick, cancelled by their
 * connection's close), then the session it gets (named: taken over or new; anonymous: new, or resumed
 * from a REDIRECT token), counted in the load, with the member addresses in its reply. Pure and
 * single-threaded; owned by {@link ServerCore} on the state loop, which hands it the time.
 *
 * @param <R> the adapter's handle of a request to reply to
 */
final class Logins<R> {
  /** A LOGIN as it reached the state: {@code anonymous} is the gateway's reading of the username. */
  private record LoginRequest<R>(R replyTo, String username, boolean anonymous, JsonObject resume,
                                 String connection) {}

  private final String selfId;
  private final StateCore state;
  private final MeshCore mesh;
  private final ReadyLoop<R> loop;
  private final ServerCore.Effects<R> effects;
  private final MemberList members;
  private final AnonymousResumes anonymousResumes;
  private final PendingLogins<LoginRequest<R>> pending = new PendingLogins<>();

  Logins(String selfId, StateCore state, MeshCore mesh, ReadyLoop<R> loop, ServerCore.Effects<R> effects,
         MemberList members, AnonymousResumes anonymousResumes) {
    this.selfId = selfId;
    this.state = state;
    this.mesh = mesh;
    this.loop = loop;
    this.effects = effects;
    this.members = members;
    this.anonymousResumes = anonymousResumes;
  }

  int pending() { return pending.size(); }

  /** See {@link ServerCore#login}. */
  void login(R request, String username, boolean anonymous, JsonObject resume, String connection, long now) {
    LoginRequest<R> w = new LoginRequest<>(request, username, anonymous, resume, connection);
    boolean sync = !anonymous || StateCore.presentsToken(resume);
    if (!sync || pending.readyOrWait(state, mesh, w, username, resume, connection, now)) {
      complete(w, now);
    }
  }

  /** Completes, in arrival order, each waiting LOGIN the login sync lets through now. */
  void retry(long now) {
    pending.retry(state, mesh, now, w -> complete(w, now));
  }

  /** The connection of a waiting LOGIN closed: it is dropped (see {@link PendingLogins#cancel}). */
  void cancel(String connection) {
    pending.cancel(connection).forEach(w -> effects.fail(w.replyTo(), BusError.UNAVAILABLE, "connection closed"));
  }

  private void complete(LoginRequest<R> w, long now) {
    members.loggedIn();
    LoginResult result;
    if (w.anonymous()) {
      String id = "anonymous:" + selfId + "/" + w.connection();
      JsonObject resume = w.resume();
      LoginResult moved = resume == null ? null : state.resumeAnonymous(id, resume, now);
      result = (moved != null ? moved : new LoginResult(id, false, List.of(), 0, 0, List.of(), false))
          .withMembers(members.addresses(false), members.addresses(true));
      if (resume != null) {
        anonymousResumes.loggedIn(id, state.applied().copy(), result.lastSeq());
      }
    } else {
      result = state.login(w.username(), w.resume(), now).withMembers(members.addresses(false),
          members.addresses(true));
      if (ServerCore.LOG.isDebugEnabled()) {
        SessionRecord s = state.sessions().get(result.sessionId());
        ServerCore.LOG.debug("[{}] LOGIN {}: session {} {}, backlog {}, delivered {}, applied {}", selfId,
            w.username(), result.sessionId(), result.resumed() ? "resumed" : "new", result.backlog().size(),
            s == null ? null : s.delivered(), state.applied());
      }
    }
    members.changed();
    // once the peers have SESSION_OPENED / ATTACHED; after the batches of activities in its backlog, before
    // later ones (the gateway knows the connection is logged in before it sees them)
    loop.reply(w.replyTo(), result);
  }
}
