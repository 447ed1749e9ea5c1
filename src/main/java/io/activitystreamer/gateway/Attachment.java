package io.activitystreamer.gateway;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's session at the state, as its {@link ClientSession} sees it, and every request about
 * it: the LOGIN the state holds unanswered, the session attached (LOGIN_SUCCESS, its backlog, the
 * subscription, the balancer's pick), the freeze of a redirect (and where the client goes), and its
 * endings: the LOGOUT, the detach at the transport's end, nothing when it was resumed elsewhere. The
 * session decides when; this says what goes out. Pure.
 */
final class Attachment {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  private final SessionEffects out;
  private final String serverId;
  /** The client is on TLS: REDIRECT names the target's TLS port. */
  private final boolean tls;
  /**
   * The state holds this connection's LOGIN unanswered: set in LOGGING_IN and cleared by its answer. It
   * outlives a close (a line too long while logging in), so that the transport's end can cancel it.
   */
  private boolean loginPending;
  /** The session attached to this connection; null before LOGIN, after LOGOUT, a kick or the detach. */
  private String sessionId;
  private boolean anonymous;
  /**
   * A redirect began: the state gave up the session's load. A fact about the session at the state, not
   * a phase of the connection: it holds through LOGGING_OUT and a close, and the detach reports it.
   */
  private boolean frozen;
  private JsonObject redirectTo;

  Attachment(SessionEffects out, String serverId, boolean tls) {
    this.out = out;
    this.serverId = serverId;
    this.tls = tls;
  }

  String sessionId() {
    return sessionId;
  }

  void requestLogin(Credentials who) {
    loginPending = true;
    out.login(who.user, who.anonymous, who.resume);
  }

  /** The LOGIN was answered, or failed. */
  void loginAnswered() {
    loginPending = false;
  }

  /**
   * The state attached {@code who}'s session: LOGIN_SUCCESS and the backlog, deliveries (and kicks) from
   * now on, and the balancer's pick unless the balancer sent this session here a moment ago (no back and
   * forth: G6).
   */
  void attached(LoginResult result, Credentials who) {
    sessionId = result.sessionId();
    anonymous = who.anonymous;
    out.loginOutcome(Outcome.SUCCESS);
    out.write(who.loginSuccess(result, tls));
    for (Buffer line : result.backlog()) {
      out.write(line);
    }
    if (result.dropped() > 0) {
      LOG.info("[{}] session {} of {} lost {} activities to the backlog bounds", serverId, sessionId, who.user,
          result.dropped());
    }
    out.subscribe(sessionId);
    if (!result.placed()) {
      out.pickTarget();
    }
  }

  /** The session was resumed on another connection or server: it is not this connection's to detach. */
  void kicked() {
    sessionId = null;
  }

  /** LOGOUT: a named session ends at the state, an anonymous one is let go. */
  void end() {
    if (anonymous) {
      out.detach(sessionId, true, false, false);
    } else {
      out.logout(sessionId);
    }
    sessionId = null;
  }

  /** The transport is gone: a LOGIN still held is cancelled, the session detached ({@code exact}: REDIRECT was written). */
  void transportGone(boolean exact) {
    if (loginPending) {
      out.cancelLogin();
    }
    if (sessionId != null) {
      out.detach(sessionId, anonymous, exact, frozen);
      sessionId = null;
    }
  }

  /**
   * Where REDIRECT sends the client for a move to {@code target}; false when it cannot go there: a client
   * on TLS goes to the target's TLS port (never to plaintext, where its secret would be in clear), and a
   * target without one keeps it here.
   */
  boolean moveTo(JsonObject target) {
    int tlsPort = target.getInteger(Fields.TLS_PORT, 0);
    if (tls && tlsPort <= 0) {
      return false;
    }
    redirectTo = new JsonObject().put(Fields.HOSTNAME, target.getString(Fields.HOSTNAME))
        .put(Fields.PORT, tls ? tlsPort : target.getInteger(Fields.PORT));
    return true;
  }

  /**
   * A move without loss: 1. the state freezes what this session is known to have (it answers after
   * publishing every activity it applied before, and those are written here before REDIRECT).
   * 2. REDIRECT, close; activities this client sends meanwhile are still accepted, before the detach.
   * 3. At the transport's end, the exact detach at the frozen position: it follows every activity of
   * this connection in this server's order, so the next server, which waits for it, continues the
   * sender's order (G4) and what it is owed (G3) exactly.
   */
  void freeze(JsonObject target) {
    frozen = true;
    out.freeze(sessionId, target);
  }

  /** The REDIRECT line; {@code resume} (or null): an anonymous resume client's token for its next LOGIN. */
  Buffer redirect(JsonObject resume) {
    if (resume != null) {
      redirectTo.put(Fields.RESUME, resume);
    }
    return MessageCodec.encode(Command.REDIRECT, redirectTo);
  }

  /** Where REDIRECT sends the client (for the log). */
  String redirectTo() {
    return redirectTo.encode();
  }
}
