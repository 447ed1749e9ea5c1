package io.activitystreamer.gateway;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import io.activitystreamer.protocol.Usernames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client protocol of one connection, whatever its transport, as a state machine: one method per
 * client line or event, every decision here, every effect out through {@link SessionEffects}. No Vert.x
 * runtime (no event bus, future, timer or socket; JsonObject and Buffer only as data, as in the state
 * core) and no clock: time comes in as {@code now} ({@link System#nanoTime}). Single-threaded (its
 * gateway instance's event loop).
 *
 * <p>Lines are handled one at a time: while a REGISTER, a LOGIN or a LOGOUT is answered, later lines
 * queue and reading pauses, so replies keep the order of requests. The states and what moves between
 * them are listed in {@link State}; a line too long closes in every open state.
 */
final class ClientSession {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  /** Longest a LOGOUT waits for the echo of the connection's own earlier activities. */
  static final long LOGOUT_GRACE_MILLIS = 5000;
  /** Longest a closing connection may take to flush its last lines before it is aborted. */
  static final long CLOSE_GRACE_MILLIS = 10_000;
  /** The login deadline, passed while a REGISTER or LOGIN is answered, looks again this much later. */
  static final long LOGIN_RECHECK_MILLIS = 1000;

  enum State {
    /** Not logged in: REGISTER, LOGIN (to VERIFYING, or LOGGING_IN if anonymous), LOGOUT closes; ACTIVITY_MESSAGE is AUTHENTICATION_FAIL. */
    CONNECTED,
    /** A REGISTER is answered (name lookup, hash, mesh-wide registration, or a refusal's delay): to CONNECTED or closing. */
    REGISTERING,
    /** A LOGIN's secret is checked (lookup and hash, or a refusal's delay): to LOGGING_IN or closing. */
    VERIFYING,
    /** The state holds the LOGIN (maybe for the login sync): to LOGGED_IN or closing. */
    LOGGING_IN,
    /** ACTIVITY_MESSAGE, LOGOUT (to LOGGING_OUT while own activities are in flight); REGISTER and LOGIN are INVALID_MESSAGE; a redirect order to REDIRECTING. */
    LOGGED_IN,
    /** The state freezes the session for a move; to the client still LOGGED_IN. The freeze's answer writes REDIRECT: to REDIRECTED. */
    REDIRECTING,
    /** LOGOUT came while own activities were on their way back: reading paused until they are written or the grace ends; a freeze's answer still redirects. */
    LOGGING_OUT,
    /** REDIRECT written, closing: the detach at the transport's end is exact. */
    REDIRECTED,
    /** The last line written, closing; the transport is aborted if it does not end within the close grace. */
    CLOSING,
    /** The transport is gone (closed by either side). */
    CLOSED;

    /** Lines wait in the queue. */
    boolean waiting() {
      return this == REGISTERING || this == VERIFYING || this == LOGGING_IN || this == LOGGING_OUT;
    }

    /** Closing or closed: nothing more is read or written. */
    boolean closed() {
      return this == REDIRECTED || this == CLOSING || this == CLOSED;
    }

    /** A session is attached here and activities are written to the client. */
    boolean loggedIn() {
      return this == LOGGED_IN || this == REDIRECTING || this == LOGGING_OUT;
    }
  }

  enum Timer { LOGIN_DEADLINE, REFUSAL, LOGOUT_GRACE, CLOSE_GRACE }

  private final ServerConfig config;
  private final String serverId;
  private final String id;
  /** The client is on TLS: REDIRECT and the members name TLS ports. */
  private final boolean tls;
  private final SessionEffects out;
  private State state = State.CONNECTED;
  private final ArrayDeque<String> queued = new ArrayDeque<>();

  // the REGISTER or LOGIN being answered, then the logged-in user
  private String user;
  private String secret;
  private boolean anonymous;
  private JsonObject resumeRequest;
  /** Why the REFUSAL timer's REGISTER or LOGIN is refused. */
  private String refusal;

  /** The session attached to this connection; null before LOGIN, after LOGOUT, a kick or the detach. */
  private String sessionId;
  private boolean resumeClient;
  /** What this login's activities must pass (from LOGIN_SUCCESS on). */
  private ActivityCheck check;
  /** Own activities sent to the state and not yet delivered back (flow control, LOGOUT). */
  private int inFlight;
  /**
   * Flow control, beside the state: reading is paused for credit while LOGGED_IN or REDIRECTING (and
   * stays paused into LOGGING_OUT, which ends in a close). Independent of what the protocol waits for.
   */
  private boolean pausedForCredit;
  /**
   * A redirect began: the state gave up the session's load. A fact about the session at the state, not
   * a phase of the connection: it holds through LOGGING_OUT and a close, and the detach reports it.
   */
  private boolean frozen;
  private JsonObject redirectTo;
  /**
   * The state holds this connection's LOGIN unanswered: set in LOGGING_IN and cleared by its answer. It
   * outlives a close (a line too long while logging in), so that the transport's end can cancel it.
   */
  private boolean loginPending;

  ClientSession(ServerConfig config, String serverId, String id, boolean tls, SessionEffects out) {
    this.config = config;
    this.serverId = serverId;
    this.id = id;
    this.tls = tls;
    this.out = out;
  }

  State state() {
    return state;
  }

  /** Logged in as anonymous (its session ends with the connection: a move may miss activities). */
  boolean anonymous() {
    return anonymous;
  }

  boolean closed() {
    return state.closed();
  }

  // ---- the connection ----

  /** Admitted (no connection limit refused it): from now on it has {@code loginTimeoutMillis} to log in. */
  void onAdmitted() {
    long ms = config.loginTimeoutMillis();
    if (ms > 0) {
      out.startTimer(Timer.LOGIN_DEADLINE, ms);
    }
  }

  /** Refused before anything was read (a connection limit): INVALID_MESSAGE {@code info} and close. */
  void onRefusedAdmission(String info) {
    replyAndClose(Command.INVALID_MESSAGE, info);
  }

  /** One complete line (TCP) or message (SockJS) from the client. */
  void onLine(String line, long now) {
    if (state.waiting()) {
      queued.addLast(line);
    } else if (!state.closed()) {
      handle(line, now);
    }
  }

  /** A line longer than maxMessageBytes arrived (closes in every open state, waiting or not). */
  void onOverflow() {
    if (!state.closed()) {
      fail(ProtocolError.invalid("line longer than " + config.maxMessageBytes() + " bytes"),
          ProtocolErrorKind.LINE_TOO_LONG);
    }
  }

  /** The transport ended (either side). The session stays open and is detached, unless logged out. */
  void onTransportGone() {
    if (state == State.CLOSED) {
      return;
    }
    boolean exact = state == State.REDIRECTED;
    state = State.CLOSED;
    queued.clear();
    out.cancelTimer(Timer.LOGIN_DEADLINE);
    out.unsubscribe();
    if (loginPending) {
      out.cancelLogin();
    }
    if (sessionId != null) {
      out.detach(sessionId, anonymous, exact, frozen);
      sessionId = null;
    }
  }

  void onTimer(Timer timer) {
    switch (timer) {
      case LOGIN_DEADLINE -> loginDeadline();
      case REFUSAL -> answerRefusal(refusal);
      case LOGOUT_GRACE -> {
        if (state == State.LOGGING_OUT) {
          endSession();
        }
      }
      case CLOSE_GRACE -> {
        if (state != State.CLOSED) {
          // a client that does not read would hold the connection (and its queued bytes) forever
          LOG.debug("[{}] {} did not close within {} ms: aborting", serverId, id, CLOSE_GRACE_MILLIS);
          out.abort();
        }
      }
    }
  }

  /** No LOGIN within {@code loginTimeoutMillis}: INVALID_MESSAGE and close; a REGISTER or LOGIN being answered decides first. */
  private void loginDeadline() {
    switch (state) {
      case CONNECTED -> {
        out.limited(Limit.LOGIN_TIMEOUT);
        LOG.debug("[{}] {} login timeout", serverId, id);
        replyAndClose(Command.INVALID_MESSAGE, "no LOGIN within " + config.loginTimeoutMillis()
            + " ms of connecting (loginTimeoutMillis)");
      }
      case REGISTERING, VERIFYING, LOGGING_IN -> out.startTimer(Timer.LOGIN_DEADLINE, LOGIN_RECHECK_MILLIS);
      default -> { }
    }
  }

  // ---- the commands: which is legal in which state ----

  private void handle(String line, long now) {
    Decoded d = MessageCodec.decode(line);
    if (d.isError()) {
      fail(d.error());
      return;
    }
    if (!d.command().fromClient()) {
      fail(ProtocolError.invalid(d.command() == Command.AUTHENTICATE
          ? "AUTHENTICATE must be the first message of a server link"
          : "command " + d.command() + " is not accepted from a client"));
      return;
    }
    boolean in = state.loggedIn();
    switch (d.command()) {
      case REGISTER -> {
        if (in) {
          fail(ProtocolError.invalid("REGISTER while logged in"));
        } else {
          register(d);
        }
      }
      case LOGIN -> {
        if (in) {
          fail(ProtocolError.invalid("LOGIN while already logged in"));
        } else {
          login(d);
        }
      }
      case LOGOUT -> logout();
      case ACTIVITY_MESSAGE -> {
        if (in) {
          activity(d, now);
        } else {
          authFail("ACTIVITY_MESSAGE before LOGIN");
        }
      }
      default -> fail(ProtocolError.invalid("command " + d.command() + " is not accepted from a client"));
    }
  }

  /** Enters a state in which lines wait for an answer. */
  private void await(State waiting) {
    state = waiting;
    out.pauseReading();
  }

  /** The answer came and the connection stays: reading resumes and the queued lines are handled. */
  private void ready(State next, long now) {
    state = next;
    out.resumeReading();
    while (!state.waiting() && !state.closed() && !queued.isEmpty()) {
      handle(queued.pollFirst(), now);
    }
  }

  /**
   * The name is checked against the policy ({@link Usernames}) here; the adapter then looks it up (a
   * taken name is refused before any hashing), hashes the secret and registers the name mesh-wide.
   */
  private void register(Decoded d) {
    user = Usernames.normalise(d.string(Fields.USERNAME));
    await(State.REGISTERING);
    if (Fields.ANONYMOUS.equals(user)) {
      refused(user + " is already registered with the system", user);
      return;
    }
    String problem = Usernames.problem(user);
    if (problem != null) {
      out.limited(Limit.USERNAME_REFUSED);
      refused(problem, null);
      return;
    }
    out.register(user, d.string(Fields.SECRET));
  }

  /** The name is registered (counted even if the connection went meanwhile). */
  void onRegistered(long now) {
    out.registerOutcome(Outcome.SUCCESS);
    if (state == State.REGISTERING) {
      reply(Command.REGISTER_SUCCESS, "register success for " + user);
      ready(State.CONNECTED, now);
    }
  }

  private void login(Decoded d) {
    user = Usernames.normalise(d.string(Fields.USERNAME));
    secret = d.string(Fields.SECRET);
    resumeRequest = MessageCodec.resumeRequest(d.body());
    anonymous = Fields.ANONYMOUS.equals(user);
    if (anonymous) {
      await(State.LOGGING_IN);
      requestLogin();
    } else {
      await(State.VERIFYING);
      out.checkSecret(user, secret);
    }
  }

  void onSecretChecked() {
    if (state == State.VERIFYING) {
      state = State.LOGGING_IN;
      requestLogin();
    }
  }

  private void requestLogin() {
    loginPending = true;
    out.login(user, anonymous, resumeRequest);
  }

  /** The state attached the session; a connection gone meanwhile lets it go at once. */
  void onLoginReply(LoginResult result, long now) {
    loginPending = false;
    if (!anonymous) {
      out.succeeded(user);
    }
    if (state != State.LOGGING_IN) {
      out.detach(result.sessionId(), anonymous, false, false);
      return;
    }
    out.cancelTimer(Timer.LOGIN_DEADLINE);
    sessionId = result.sessionId();
    resumeClient = resumeRequest != null;
    check = new ActivityCheck(user, secret, anonymous, result.lastSeq(), config.activityRateLimit());
    JsonObject fields = new JsonObject().put(Fields.INFO, "logged in as user " + user);
    if (resumeClient) {
      fields.put(Fields.SESSION, result.sessionId()).put(Fields.LAST_SEQ, result.lastSeq())
          .put(Fields.DROPPED, result.dropped()).put(Fields.MEMBERS, tls ? result.tlsMembers() : result.members());
    }
    out.loginOutcome(Outcome.SUCCESS);
    out.write(MessageCodec.encode(Command.LOGIN_SUCCESS, fields));
    for (Buffer line : result.backlog()) {
      out.write(line);
    }
    if (result.dropped() > 0) {
      LOG.info("[{}] session {} of {} lost {} activities to the backlog bounds", serverId, sessionId, user,
          result.dropped());
    }
    out.subscribe(sessionId);
    if (!result.placed()) {
      out.pickTarget(); // not when the balancer sent this session here a moment ago: no back and forth (G6)
    }
    ready(State.LOGGED_IN, now);
  }

  // ---- the answers to a REGISTER or LOGIN that failed ----

  /** REGISTER_FAILED or LOGIN_FAILED, by what is waiting; null when nothing is (gone meanwhile: no answer). */
  private Command failedReply() {
    return switch (state) {
      case REGISTERING -> Command.REGISTER_FAILED;
      case VERIFYING, LOGGING_IN -> Command.LOGIN_FAILED;
      default -> null;
    };
  }

  /** An expected "no" ({@code info}): answered after the delay the failure throttle gives the address and name. */
  void onRefused(String info) {
    refused(info, user);
  }

  private void refused(String info, String throttled) {
    long delay = out.failed(throttled);
    if (delay <= 0) {
      answerRefusal(info);
      return;
    }
    out.limited(Limit.FAILURE_DELAYED);
    refusal = info;
    out.startTimer(Timer.REFUSAL, delay);
  }

  private void answerRefusal(String info) {
    Command reply = failedReply();
    if (reply != null) {
      LOG.debug("[{}] {} {}: {}", serverId, id, reply, info);
      outcome(reply, Outcome.REFUSED);
      replyAndClose(reply, info);
    }
  }

  /** The hashing pool's queue is full. */
  void onHashBusy(String info) {
    Command reply = failedReply();
    if (reply != null) {
      out.limited(Limit.HASH_BUSY);
      outcome(reply, Outcome.REFUSED);
      replyAndClose(reply, info);
    }
  }

  /** The request failed unexpectedly (one request is out at a time: a pending LOGIN is answered by this). */
  void onFailed(Throwable err) {
    loginPending = false;
    Command reply = failedReply();
    if (reply != null) {
      outcome(reply, Outcome.ERROR);
      LOG.error("[{}] {} {} failed", serverId, id, reply, err);
      replyAndClose(reply, "server unavailable, try again: " + err.getMessage());
    }
  }

  private void outcome(Command reply, Outcome o) {
    if (reply == Command.REGISTER_FAILED) {
      out.registerOutcome(o);
    } else {
      out.loginOutcome(o);
    }
  }

  // ---- logged in ----

  private void activity(Decoded d, long now) {
    if (!check.accept(d, now, out.storeFailure())) {
      if (check.refusal() == null) {
        LOG.debug("[{}] {} dropped resend seq {} (last {})", serverId, id, check.clientSeq(), check.lastClientSeq());
      } else {
        if (check.limit() != null) {
          out.limited(check.limit());
        }
        fail(check.refusal());
      }
      return;
    }
    out.activity(sessionId, check.activity(), check.clientSeq(), now);
    if (++inFlight >= config.maxInFlightPerClient() && !pausedForCredit) {
      pausedForCredit = true;
      out.pauseReading();
    }
  }

  /**
   * A batch of delivered activities (one write for the whole batch, the same buffer for every client), cut
   * at {@code through}, written at {@code nowNanos}.
   */
  void deliver(Buffer classicLines, Buffer resumeLines, Map<String, Long> through, long nowNanos) {
    if (!state.loggedIn()) {
      return;
    }
    out.write(resumeClient ? resumeLines : classicLines);
    out.wroteThrough(through, nowNanos);
    if (out.writeQueueFull()) {
      LOG.warn("[{}] {} too slow: more than {} bytes queued, disconnecting", serverId, id,
          config.clientWriteQueueMaxBytes());
      close("slow consumer");
      out.abort();
    }
  }

  /** {@code count} of this connection's own activities were delivered (after the batch was written). */
  void onCredit(int count) {
    if (!state.loggedIn()) {
      return;
    }
    inFlight -= count;
    if (state == State.LOGGING_OUT) {
      if (inFlight <= 0) {
        endSession();
      }
    } else if (pausedForCredit && inFlight < config.maxInFlightPerClient() / 2) {
      pausedForCredit = false;
      out.resumeReading();
    }
  }

  /** The activities sent before LOGOUT are still owed to this session: it ends once they are written. */
  private void logout() {
    if (state == State.CONNECTED) {
      close("logout");
    } else if (inFlight > 0) {
      await(State.LOGGING_OUT);
      out.startTimer(Timer.LOGOUT_GRACE, LOGOUT_GRACE_MILLIS);
    } else {
      endSession();
    }
  }

  private void endSession() {
    inFlight = 0;
    if (anonymous) {
      out.detach(sessionId, true, false, false);
    } else {
      out.logout(sessionId);
    }
    sessionId = null;
    close("logout");
  }

  /**
   * Sends the client elsewhere without losing anything (only from LOGGED_IN: not while it is already
   * leaving, nor logging out). 1. The state freezes what this session is known to have (it answers after
   * publishing every activity it applied before, and those are written here before REDIRECT).
   * 2. REDIRECT, close; activities this client sends meanwhile are still accepted, before the detach.
   * 3. At the transport's end, the exact detach at the frozen position: it follows every activity of
   * this connection in this server's order, so the next server, which waits for it, continues the
   * sender's order (G4) and what it is owed (G3) exactly. False when the client does not move.
   */
  boolean onRedirect(JsonObject target) {
    if (state != State.LOGGED_IN) {
      return false;
    }
    // a client on TLS goes to the target's TLS port (never to plaintext, where its secret would be in
    // clear); a target without one keeps it here
    int tlsPort = target.getInteger(Fields.TLS_PORT, 0);
    if (tls && tlsPort <= 0) {
      return false;
    }
    redirectTo = new JsonObject().put(Fields.HOSTNAME, target.getString(Fields.HOSTNAME))
        .put(Fields.PORT, tls ? tlsPort : target.getInteger(Fields.PORT));
    frozen = true;
    state = State.REDIRECTING;
    out.freeze(sessionId, target);
    return true;
  }

  /**
   * The state froze the session (or failed to): no more deliveries here; REDIRECT unless already closing.
   * {@code resume} (or null): an anonymous resume client's token for its next LOGIN, sent in the REDIRECT.
   */
  void onFrozen(JsonObject resume) {
    out.unsubscribe();
    if (state == State.REDIRECTING || state == State.LOGGING_OUT) {
      if (resume != null) {
        redirectTo.put(Fields.RESUME, resume);
      }
      out.write(MessageCodec.encode(Command.REDIRECT, redirectTo));
      out.redirected();
      close("redirected to " + redirectTo.encode(), State.REDIRECTED);
    }
  }

  /** The session was resumed on another connection or server: it is not this connection's to detach. */
  void onKick() {
    sessionId = null;
    if (!state.closed()) {
      reply(Command.INVALID_MESSAGE, "session resumed on another connection");
      close("session taken over");
    }
  }

  // ---- replies and closing, in one place ----

  private void reply(Command command, String info) {
    out.write(MessageCodec.reply(command, info));
  }

  private void replyAndClose(Command command, String info) {
    reply(command, info);
    close(command.name());
  }

  private void fail(ProtocolError error) {
    fail(error, error.reply() == Command.AUTHENTICATION_FAIL ? ProtocolErrorKind.AUTHENTICATION_FAIL
        : ProtocolErrorKind.INVALID_MESSAGE);
  }

  private void fail(ProtocolError error, ProtocolErrorKind kind) {
    LOG.warn("[{}] {} {}: {}", serverId, id, error.reply(), error.info());
    out.protocolError(kind);
    replyAndClose(error.reply(), error.info());
  }

  private void authFail(String info) {
    fail(ProtocolError.authFail(info));
  }

  private void close(String reason) {
    close(reason, State.CLOSING);
  }

  private void close(String reason, State closing) {
    if (!state.closed()) {
      LOG.debug("[{}] {} closing: {}", serverId, id, reason);
      state = closing;
      queued.clear();
      out.close();
      out.startTimer(Timer.CLOSE_GRACE, CLOSE_GRACE_MILLIS);
    }
  }
}
