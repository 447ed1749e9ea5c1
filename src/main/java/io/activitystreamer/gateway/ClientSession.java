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
 * them are listed in {@link SessionState}; a line too long closes in every open state.
 */
final class ClientSession {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  /** Longest a LOGOUT waits for the echo of the connection's own earlier activities. */
  static final long LOGOUT_GRACE_MILLIS = 5000;
  /** Longest a closing connection may take to flush its last lines before it is aborted. */
  static final long CLOSE_GRACE_MILLIS = 10_000;
  /** The login deadline, passed while a REGISTER or LOGIN is answered, looks again this much later. */
  static final long LOGIN_RECHECK_MILLIS = 1000;

  enum Timer { LOGIN_DEADLINE, REFUSAL, LOGOUT_GRACE, CLOSE_GRACE }

  private final ServerConfig config;
  private final String serverId;
  private final String id;
  private final SessionEffects out;
  private SessionState state = SessionState.CONNECTED;
  private final ArrayDeque<String> queued = new ArrayDeque<>();
  /** The REGISTER or LOGIN being answered, then the logged-in user; null before the first. */
  private Credentials who;
  /** The session at the state: the LOGIN it holds, the session attached, its freeze and endings. */
  private final Attachment attachment;
  /** The logged-in activities, both ways: the checks, the in-flight credit, the delivery writes. */
  private final ActivityFlow flow;
  private final Replies replies;

  ClientSession(ServerConfig config, String serverId, String id, boolean tls, SessionEffects out) {
    this.config = config;
    this.serverId = serverId;
    this.id = id;
    this.out = out;
    this.attachment = new Attachment(out, serverId, tls);
    this.flow = new ActivityFlow(out, serverId, id, config.maxInFlightPerClient(),
        config.clientWriteQueueMaxBytes());
    this.replies = new Replies(out, serverId, id);
  }

  SessionState state() {
    return state;
  }

  /** Logged in as anonymous (its session ends with the connection: a move may miss activities). */
  boolean anonymous() {
    return who != null && who.anonymous;
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
      ProtocolError error = ProtocolError.invalid("line longer than " + config.maxMessageBytes() + " bytes");
      replies.error(error, ProtocolErrorKind.LINE_TOO_LONG);
      close(error.reply().name());
    }
  }

  /** The transport ended (either side). The session stays open and is detached, unless logged out. */
  void onTransportGone() {
    if (state == SessionState.CLOSED) {
      return;
    }
    boolean exact = state == SessionState.REDIRECTED;
    state = SessionState.CLOSED;
    queued.clear();
    out.cancelTimer(Timer.LOGIN_DEADLINE);
    out.unsubscribe();
    attachment.transportGone(exact);
  }

  void onTimer(Timer timer) {
    switch (timer) {
      case LOGIN_DEADLINE -> loginDeadline();
      case REFUSAL -> answerRefusal(replies.delayedRefusal());
      case LOGOUT_GRACE -> {
        if (state == SessionState.LOGGING_OUT) {
          endSession();
        }
      }
      case CLOSE_GRACE -> {
        if (state != SessionState.CLOSED) {
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
        replies.loginTimeout(config.loginTimeoutMillis());
        close(Command.INVALID_MESSAGE.name());
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
    } else if (!d.command().fromClient()) {
      fail(ProtocolError.invalid(d.command() == Command.AUTHENTICATE
          ? "AUTHENTICATE must be the first message of a server link"
          : "command " + d.command() + " is not accepted from a client"));
    } else if (state.loggedIn() && (d.command() == Command.REGISTER || d.command() == Command.LOGIN)) {
      fail(ProtocolError.invalid(d.command() == Command.REGISTER ? "REGISTER while logged in"
          : "LOGIN while already logged in"));
    } else if (!state.loggedIn() && d.command() == Command.ACTIVITY_MESSAGE) {
      fail(ProtocolError.authFail("ACTIVITY_MESSAGE before LOGIN"));
    } else {
      switch (d.command()) {
        case REGISTER -> register(d);
        case LOGIN -> login(d);
        case LOGOUT -> logout();
        case ACTIVITY_MESSAGE -> activity(d, now);
        default -> fail(ProtocolError.invalid("command " + d.command() + " is not accepted from a client"));
      }
    }
  }

  /** Enters a state in which lines wait for an answer. */
  private void await(SessionState waiting) {
    state = waiting;
    out.pauseReading();
  }

  /** The answer came and the connection stays: reading resumes and the queued lines are handled. */
  private void ready(SessionState next, long now) {
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
    who = Credentials.register(d);
    await(SessionState.REGISTERING);
    if (who.reserved()) {
      refused(who.user + " is already registered with the system", who.user);
      return;
    }
    String problem = Usernames.problem(who.user);
    if (problem != null) {
      out.limited(Limit.USERNAME_REFUSED);
      refused(problem, null);
    } else {
      out.register(who.user, d.string(Fields.SECRET));
    }
  }

  /** The name is registered (counted even if the connection went meanwhile). */
  void onRegistered(long now) {
    out.registerOutcome(Outcome.SUCCESS);
    if (state == SessionState.REGISTERING) {
      replies.reply(Command.REGISTER_SUCCESS, "register success for " + who.user);
      ready(SessionState.CONNECTED, now);
    }
  }

  private void login(Decoded d) {
    who = Credentials.login(d);
    if (who.anonymous) {
      await(SessionState.LOGGING_IN);
      attachment.requestLogin(who);
    } else {
      await(SessionState.VERIFYING);
      out.checkSecret(who.user, who.secret);
    }
  }

  void onSecretChecked() {
    if (state == SessionState.VERIFYING) {
      state = SessionState.LOGGING_IN;
      attachment.requestLogin(who);
    }
  }

  /** The state attached the session; a connection gone meanwhile lets it go at once. */
  void onLoginReply(LoginResult result, long now) {
    attachment.loginAnswered();
    if (!who.anonymous) {
      out.succeeded(who.user);
    }
    if (state != SessionState.LOGGING_IN) {
      out.detach(result.sessionId(), who.anonymous, false, false);
      return;
    }
    out.cancelTimer(Timer.LOGIN_DEADLINE);
    flow.start(who, result.lastSeq(), config.activityRateLimit());
    attachment.attached(result, who);
    flow.backlogWritten();
    ready(SessionState.LOGGED_IN, now);
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
    refused(info, who.user);
  }

  private void refused(String info, String throttled) {
    if (!replies.delayRefusal(info, throttled)) {
      answerRefusal(info);
    }
  }

  private void answerRefusal(String info) {
    answerFailure(reply -> replies.refused(reply, info));
  }

  /** The hashing pool's queue is full. */
  void onHashBusy(String info) {
    answerFailure(reply -> replies.hashBusy(reply, info));
  }

  /** The request failed unexpectedly (one request is out at a time: a pending LOGIN is answered by this). */
  void onFailed(Throwable err) {
    attachment.loginAnswered();
    answerFailure(reply -> replies.failed(reply, err));
  }

  /** Writes the failure reply (REGISTER_FAILED or LOGIN_FAILED) with {@code write} and closes, if one is awaited. */
  private void answerFailure(java.util.function.Consumer<Command> write) {
    Command reply = failedReply();
    if (reply != null) {
      write.accept(reply);
      close(reply.name());
    }
  }

  // ---- logged in ----

  private void activity(Decoded d, long now) {
    ProtocolError refused = flow.accept(d, attachment.sessionId(), now);
    if (refused != null) {
      fail(refused);
    }
  }

  /**
   * A batch of delivered activities (one write for the whole batch, the same buffer for every client), cut
   * at {@code through}, written at {@code nowNanos}.
   */
  void deliver(Buffer classicLines, Buffer resumeLines, Map<String, Long> through, long nowNanos) {
    if (state.loggedIn() && flow.write(classicLines, resumeLines, through, nowNanos)) {
      close("slow consumer");
      out.abort();
    }
  }

  /** The write queue drained after a backlog filled it ({@link SessionEffects#awaitDrain}). */
  void onDrained() {
    flow.drained();
  }

  /** {@code count} of this connection's own activities were delivered (after the batch was written). */
  void onCredit(int count) {
    if (!state.loggedIn()) {
      return;
    }
    boolean loggingOut = state == SessionState.LOGGING_OUT;
    if (flow.credit(count, !loggingOut) && loggingOut) {
      endSession();
    }
  }

  /** The activities sent before LOGOUT are still owed to this session: it ends once they are written. */
  private void logout() {
    if (state == SessionState.CONNECTED) {
      close("logout");
    } else if (flow.owed()) {
      await(SessionState.LOGGING_OUT);
      out.startTimer(Timer.LOGOUT_GRACE, LOGOUT_GRACE_MILLIS);
    } else {
      endSession();
    }
  }

  private void endSession() {
    attachment.end();
    close("logout");
  }

  /**
   * Sends the client elsewhere without losing anything ({@link Attachment#freeze}), only from LOGGED_IN
   * (not while it is already leaving, nor logging out). False when the client does not move.
   */
  boolean onRedirect(JsonObject target) {
    if (state != SessionState.LOGGED_IN || !attachment.moveTo(target)) {
      return false;
    }
    state = SessionState.REDIRECTING;
    attachment.freeze(target);
    return true;
  }

  /**
   * The state froze the session (or failed to): no more deliveries here; REDIRECT unless already closing.
   * {@code resume} (or null): an anonymous resume client's token for its next LOGIN, sent in the REDIRECT.
   */
  void onFrozen(JsonObject resume) {
    out.unsubscribe();
    if (state == SessionState.REDIRECTING || state == SessionState.LOGGING_OUT) {
      out.write(attachment.redirect(resume));
      out.redirected();
      close("redirected to " + attachment.redirectTo(), SessionState.REDIRECTED);
    }
  }

  /** The session was resumed on another connection or server: it is not this connection's to detach. */
  void onKick() {
    attachment.kicked();
    if (!state.closed()) {
      replies.reply(Command.INVALID_MESSAGE, "session resumed on another connection");
      close("session taken over");
    }
  }

  // ---- closing, in one place ----

  private void replyAndClose(Command command, String info) {
    replies.reply(command, info);
    close(command.name());
  }

  private void fail(ProtocolError error) {
    replies.error(error);
    close(error.reply().name());
  }

  private void close(String reason) {
    close(reason, SessionState.CLOSING);
  }

  private void close(String reason, SessionState closing) {
    if (!state.closed()) {
      LOG.debug("[{}] {} closing: {}", serverId, id, reason);
      state = closing;
      queued.clear();
      out.close();
      out.startTimer(Timer.CLOSE_GRACE, CLOSE_GRACE_MILLIS);
    }
  }
}
