package io.activitystreamer.gateway;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import io.activitystreamer.protocol.Usernames;
import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.state.Secrets;
import io.activitystreamer.state.UserRecord;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client protocol of one connection, whatever its transport. Lines are handled one at a time: while
 * a REGISTER or LOGIN waits for the state (or a worker hashing a secret), later lines queue and reading
 * pauses, so replies keep the order of requests. Runs on its gateway instance's event loop.
 *
 * <p>States: new (REGISTER, LOGIN, LOGOUT allowed; ACTIVITY_MESSAGE gets AUTHENTICATION_FAIL), logged
 * in (ACTIVITY_MESSAGE, LOGOUT; REGISTER and LOGIN are INVALID_MESSAGE), closed.
 */
public final class ClientHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);
  /** Longest a LOGOUT waits for the echo of the connection's own earlier activities. */
  private static final long LOGOUT_GRACE_MILLIS = 5000;
  /** Longest a closing connection may take to flush its last lines before it is aborted. */
  private static final long CLOSE_GRACE_MILLIS = 10_000;

  private final GatewayContext gw;
  private final ClientTransport transport;
  final String id;
  private final ArrayDeque<String> queued = new ArrayDeque<>();
  private boolean busy;
  private boolean closed;
  private String username;
  private String secret;
  private boolean anonymous;

  /** Logged in as anonymous (its session ends with the connection: a move may miss activities). */
  boolean anonymous() {
    return anonymous;
  }
  String sessionId;
  boolean resumeClient;
  private int inFlight;
  /** Highest client seq accepted on this session (resume extension); resends at or below it are dropped. */
  private long lastClientSeq;
  /** LOGOUT arrived while this connection's own activities were still on their way back to it. */
  private boolean logoutPending;
  private boolean transportGone;
  private boolean leaving;
  private boolean redirecting;
  /**
   * REDIRECT went out behind everything written before it: the detach is exact (the client is owed what
   * is applied from the freeze on). A connection that closed before (the client left on its own while
   * the redirect was being prepared) may not have read its last lines: the redelivery window applies.
   */
  private boolean redirectWritten;
  /** A LOGIN is with the state, unanswered (it may wait there for the login sync). */
  private boolean loginRequested;
  private boolean pausedForCredit;
  /** Activity rate limit (token bucket, {@code activityRateLimit} per second, burst as many). */
  private double activityTokens = -1;
  private long activityTokensAt;

  ClientHandler(GatewayContext gw, ClientTransport transport, String id) {
    this.gw = gw;
    this.transport = transport;
    this.id = id;
  }

  boolean loggedIn() {
    return sessionId != null && !closed;
  }

  /** One complete line (TCP) or message (SockJS) from the client. */
  public void onLine(String line) {
    if (closed) {
      return;
    }
    if (busy) {
      queued.addLast(line);
      return;
    }
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
    switch (d.command()) {
      case REGISTER -> handleRegister(d);
      case LOGIN -> handleLogin(d);
      case LOGOUT -> handleLogout();
      case ACTIVITY_MESSAGE -> handleActivity(d);
      default -> fail(ProtocolError.invalid("command " + d.command() + " is not accepted from a client"));
    }
  }

  /** A line longer than maxMessageBytes arrived. */
  public void onOverflow() {
    if (closed) {
      return;
    }
    fail(ProtocolError.invalid("line longer than " + gw.settings().maxMessageBytes() + " bytes"),
        ProtocolErrorKind.LINE_TOO_LONG);
  }

  /**
   * The name is checked against the policy ({@link Usernames}), then looked up: a taken name is refused
   * before any hashing. Only then is the secret hashed (on the bounded pool, after every waiting LOGIN)
   * and the name registered mesh-wide (which checks again: another server may register it meanwhile).
   */
  private void handleRegister(Decoded d) {
    if (loggedIn()) {
      fail(ProtocolError.invalid("REGISTER while logged in"));
      return;
    }
    String user = Usernames.normalise(d.string(Fields.USERNAME));
    if (Fields.ANONYMOUS.equals(user)) {
      waitFor(refuseLater(Command.REGISTER_FAILED, user + " is already registered with the system", user));
      return;
    }
    String problem = Usernames.problem(user);
    if (problem != null) {
      gw.metrics().limited(Limit.USERNAME_REFUSED);
      waitFor(refuseLater(Command.REGISTER_FAILED, problem, null));
      return;
    }
    String plain = d.string(Fields.SECRET);
    int iterations = gw.settings().secretHashIterations();
    String salt = Secrets.newSalt();
    waitFor(gw.vertx().eventBus().<JsonObject>request(Addresses.STATE_LOOKUP_USER, new JsonObject().put("username", user))
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.<Void>failedFuture(new Refused(user + " is already registered with the system"));
          }
          return BusError.of(ar.cause()) == BusError.NOT_REGISTERED ? Future.<Void>succeededFuture()
              : Future.<Void>failedFuture(ar.cause());
        })
        .compose(v -> gw.hash(HashPool.Priority.REGISTER, () -> Secrets.hash(plain, salt, iterations), () -> closed))
        .compose(hash -> gw.vertx().eventBus().request(Addresses.STATE_REGISTER, new JsonObject()
            .put("username", user).put("salt", salt).put("hash", hash).put("iterations", iterations))
            .recover(err -> Future.failedFuture(BusError.of(err) == BusError.ALREADY_REGISTERED
                ? new Refused(user + " is already registered with the system") : err)))
        .transform(ar -> ar.succeeded() ? Future.<Void>succeededFuture()
            : ar.cause() instanceof Refused r ? this.<Void>delayed(r, user) : Future.<Void>failedFuture(ar.cause()))
        .onSuccess(ok -> {
          gw.metrics().register(Outcome.SUCCESS);
          reply(Command.REGISTER_SUCCESS, "register success for " + user);
        })
        .onFailure(err -> refusedOrError(Command.REGISTER_FAILED, err)));
  }

  /** The answer to a failed REGISTER or LOGIN: after the throttle's delay, so reading stays paused till then. */
  private Future<Void> refuseLater(Command reply, String info, String user) {
    return delayed(new Refused(info), user).onFailure(err -> refusedOrError(reply, err)).mapEmpty();
  }

  /** Fails with {@code refusal} after the delay the failure throttle gives this address and {@code user}. */
  private <T> Future<T> delayed(Refused refusal, String user) {
    long delay = gw.throttle().failed(transport.remoteIp(), user, System.currentTimeMillis());
    if (delay <= 0) {
      return Future.failedFuture(refusal);
    }
    gw.metrics().limited(Limit.FAILURE_DELAYED);
    io.vertx.core.Promise<T> later = io.vertx.core.Promise.promise();
    gw.vertx().setTimer(delay, t -> later.fail(refusal));
    return later.future();
  }

  /** {@code reply}: REGISTER_FAILED or LOGIN_FAILED. */
  private void refusedOrError(Command reply, Throwable err) {
    if (closed) {
      return; // gone while waiting: nothing to answer
    }
    if (err instanceof Refused refused) {
      LOG.debug("[{}] {} {}: {}", gw.serverId(), id, reply, refused.getMessage());
      outcome(reply, Outcome.REFUSED);
      replyAndClose(reply, refused.getMessage());
    } else if (err instanceof HashPool.Busy busy) {
      gw.metrics().limited(Limit.HASH_BUSY);
      outcome(reply, Outcome.REFUSED);
      replyAndClose(reply, busy.getMessage());
    } else if (!(err instanceof HashPool.Cancelled)) {
      outcome(reply, Outcome.ERROR);
      internalError(reply, err);
    }
  }

  private void outcome(Command reply, Outcome o) {
    if (reply == Command.REGISTER_FAILED) {
      gw.metrics().register(o);
    } else {
      gw.metrics().login(o);
    }
  }

  /** From now on the connection has {@code loginTimeoutMillis} to log in (0: for ever). */
  void armLoginDeadline() {
    long ms = gw.settings().loginTimeoutMillis();
    if (ms > 0) {
      loginTimer = gw.vertx().setTimer(ms, t -> loginDeadline());
    }
  }

  /** The connection became a server link (which has its own handshake deadline). */
  void cancelLoginDeadline() {
    if (loginTimer >= 0) {
      gw.vertx().cancelTimer(loginTimer);
      loginTimer = -1;
    }
  }

  private long loginTimer = -1;

  /** No LOGIN (nor server AUTHENTICATE) within {@code loginTimeoutMillis}: INVALID_MESSAGE and close. */
  private void loginDeadline() {
    loginTimer = -1;
    if (closed || sessionId != null || leaving) {
      return;
    }
    if (busy) {
      // a LOGIN (or REGISTER) is being answered: its answer decides; look again shortly after
      loginTimer = gw.vertx().setTimer(1000, t -> loginDeadline());
      return;
    }
    gw.metrics().limited(Limit.LOGIN_TIMEOUT);
    LOG.debug("[{}] {} login timeout", gw.serverId(), id);
    replyAndClose(Command.INVALID_MESSAGE, "no LOGIN within " + gw.settings().loginTimeoutMillis()
        + " ms of connecting (loginTimeoutMillis)");
  }

  /** Refused before anything was read (a connection limit): INVALID_MESSAGE {@code info} and close. */
  void refuse(String info) {
    replyAndClose(Command.INVALID_MESSAGE, info);
  }

  private void handleLogin(Decoded d) {
    if (loggedIn()) {
      fail(ProtocolError.invalid("LOGIN while already logged in"));
      return;
    }
    String user = Usernames.normalise(d.string(Fields.USERNAME));
    String plain = d.string(Fields.SECRET);
    JsonObject resume = MessageCodec.resumeRequest(d.body());
    boolean anon = Fields.ANONYMOUS.equals(user);
    Future<Void> verified = anon ? Future.succeededFuture() : verifySecret(user, plain);
    waitFor(verified
        .compose(v -> {
          if (closed) {
            return Future.failedFuture("connection closed");
          }
          loginRequested = true;
          return gw.vertx().eventBus().<LoginResult>request(Addresses.STATE_LOGIN, new JsonObject()
              .put("username", user).put("anonymous", anon).put("connection", id).put("resume", resume));
        })
        .onComplete(ar -> loginRequested = false)
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result())
            : ar.cause() instanceof Refused r ? delayed(r, anon ? null : user) : Future.failedFuture(ar.cause()))
        .onSuccess(msg -> {
          if (!anon) {
            gw.throttle().succeeded(transport.remoteIp(), user);
          }
          onLoggedIn(user, plain, anon, resume != null, msg.body());
        })
        .onFailure(err -> refusedOrError(Command.LOGIN_FAILED, err)));
  }

  /**
   * Checks the secret on the hashing pool. An unknown name is hashed too, against a dummy record of the
   * same cost, so that it is answered in the same time as a wrong secret.
   */
  private Future<Void> verifySecret(String user, String plain) {
    return gw.vertx().eventBus().<JsonObject>request(Addresses.STATE_LOOKUP_USER, new JsonObject().put("username", user))
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.succeededFuture(ar.result().body());
          }
          return BusError.of(ar.cause()) == BusError.NOT_REGISTERED ? Future.succeededFuture((JsonObject) null)
              : Future.failedFuture(ar.cause());
        })
        .compose(record -> gw.hash(HashPool.Priority.LOGIN, () -> {
          if (record == null) {
            Secrets.verify(plain, dummyUser(gw.settings().secretHashIterations()));
            return user + " is not registered";
          }
          if (Secrets.verify(plain, UserRecord.fromJson(record))) {
            return null;
          }
          JsonObject lost = record.getJsonObject("lost");
          if (lost != null && Secrets.verify(plain, UserRecord.fromJson(lost))) {
            return user + " was registered twice during a network partition; the earlier registration won"
                + " and this one was removed: register another name";
          }
          return "attempt to login with wrong secret";
        }, () -> closed))
        .compose(refusal -> refusal == null ? Future.<Void>succeededFuture()
            : Future.failedFuture(new Refused(refusal)));
  }

  private static volatile UserRecord dummy;

  /** A record no secret matches, hashed like a real one (for unknown names). */
  private static UserRecord dummyUser(int iterations) {
    UserRecord d = dummy;
    if (d == null || d.iterations() != iterations) {
      d = new UserRecord("", Secrets.newSalt(), Secrets.newSalt(), iterations, 0, "");
      dummy = d;
    }
    return d;
  }

  private void onLoggedIn(String user, String plain, boolean anon, boolean resume, LoginResult result) {
    if (closed) {
      sendDetach(result.sessionId(), anon, false, false);
      return;
    }
    cancelLoginDeadline();
    username = user;
    secret = plain;
    anonymous = anon;
    sessionId = result.sessionId();
    resumeClient = resume;
    lastClientSeq = result.lastSeq();
    JsonObject fields = new JsonObject().put(Fields.INFO, "logged in as user " + user);
    if (resume) {
      fields.put(Fields.SESSION, result.sessionId()).put(Fields.LAST_SEQ, result.lastSeq())
          .put(Fields.DROPPED, result.dropped())
          .put(Fields.MEMBERS, transport.tls() ? result.tlsMembers() : result.members());
    }
    gw.metrics().login(Outcome.SUCCESS);
    transport.write(MessageCodec.encode(Command.LOGIN_SUCCESS, fields));
    for (Buffer line : result.backlog()) {
      transport.write(line);
    }
    if (result.dropped() > 0) {
      LOG.info("[{}] session {} of {} lost {} activities to the backlog bounds", gw.serverId(), sessionId, user,
          result.dropped());
    }
    gw.onLoggedIn(this);
    if (result.placed()) {
      return; // the balancer sent this session here a moment ago: no back and forth (G6)
    }
    gw.balancer().pick().onSuccess(target -> {
      if (target != null) {
        redirect(target);
      }
    });
  }

  /**
   * Sends the client elsewhere without losing anything: the session is detached first (exactly at what
   * was written, since REDIRECT follows those lines), and only once the state has replicated that does
   * the client get REDIRECT, so the next server already knows the session is free when LOGIN arrives.
   * False when the client is already leaving (redirected, logged out, closed).
   */
  boolean redirect(JsonObject target) {
    if (closed || sessionId == null || leaving || redirecting) {
      return false;
    }
    // a client on TLS goes to the target's TLS port (never to plaintext, where its secret would be in
    // clear); a target without one keeps it here
    int tlsPort = target.getInteger(Fields.TLS_PORT, 0);
    if (transport.tls() && tlsPort <= 0) {
      return false;
    }
    JsonObject reply = new JsonObject().put(Fields.HOSTNAME, target.getString(Fields.HOSTNAME))
        .put(Fields.PORT, transport.tls() ? tlsPort : target.getInteger(Fields.PORT));
    // 1. The state freezes what this session is known to have (it answers after publishing every
    //    activity it applied before, and those are written here before REDIRECT).
    // 2. REDIRECT, close. Activities this client sent meanwhile are still accepted, before the detach.
    // 3. Once the connection is closed (onClosed), the detach at the frozen position: it follows every
    //    activity of this connection in this server's order, so the next server, which waits for it,
    //    continues the sender's order (G4) and what it is owed (G3) exactly.
    redirecting = true;
    gw.vertx().eventBus().request(Addresses.STATE_FREEZE, new JsonObject().put("session", sessionId)
            .put("target", target))
        .onComplete(ar -> {
          leaving = true;
          gw.onClosed(this); // no longer logged in here: no more deliveries
          if (ar.succeeded() && ar.result().body() instanceof JsonObject a && a.containsKey(Fields.RESUME)) {
            reply.put(Fields.RESUME, a.getJsonObject(Fields.RESUME)); // an anonymous resume client's token
          }
          if (!closed) {
            transport.write(MessageCodec.encode(Command.REDIRECT, reply));
            redirectWritten = true;
            gw.metrics().redirected();
            closeConnection("redirected to " + reply.encode());
          }
        });
    return true;
  }

  private void handleLogout() {
    if (loggedIn() && inFlight > 0 && !logoutPending) {
      // the activities sent before LOGOUT are still owed to this session: close once they are written
      logoutPending = true;
      busy = true;
      transport.pause();
      gw.vertx().setTimer(LOGOUT_GRACE_MILLIS, t -> finishPendingLogout());
      return;
    }
    if (loggedIn() && !anonymous) {
      gw.vertx().eventBus().send(Addresses.STATE_LOGOUT, new JsonObject().put("session", sessionId));
    } else if (loggedIn()) {
      sendDetach(sessionId, true, false, false);
    }
    sessionId = null;
    closeConnection("logout");
  }

  private void finishPendingLogout() {
    if (logoutPending && !closed) {
      logoutPending = false;
      inFlight = 0;
      handleLogout();
    }
  }

  private void handleActivity(Decoded d) {
    if (!loggedIn()) {
      authFail("ACTIVITY_MESSAGE before LOGIN");
      return;
    }
    String user = Usernames.normalise(d.string(Fields.USERNAME));
    if (!username.equals(user)) {
      authFail("username does not match the logged-in user");
      return;
    }
    if (!anonymous && !Secrets.constantTimeEquals(secret, d.string(Fields.SECRET))) {
      authFail("secret does not match the logged-in user");
      return;
    }
    Object activity = d.body().getValue(Fields.ACTIVITY);
    if (activity == null) {
      fail(ProtocolError.invalid("missing field 'activity'"));
      return;
    }
    if (!(activity instanceof JsonObject act)) {
      fail(ProtocolError.invalid("field 'activity' must be a JSON object"));
      return;
    }
    if (overRate()) {
      gw.metrics().limited(Limit.ACTIVITY_RATE);
      fail(ProtocolError.invalid("rate limit: more than " + gw.settings().activityRateLimit()
          + " activities per second (activityRateLimit); the activities before this one were accepted"));
      return;
    }
    String storeFailure = gw.storeFailure();
    if (storeFailure != null) {
      fail(ProtocolError.invalid("this server cannot store activities now: its data directory cannot be written ("
          + storeFailure + "); this activity was not accepted (the ones before it were): send it through another member"));
      return;
    }
    act.put(Fields.AUTHENTICATED_USER, username);
    long clientSeq = MessageCodec.clientSeq(d.body());
    if (clientSeq > 0 && clientSeq <= lastClientSeq) {
      // a resend the session already accepted: the state would drop it and never echo it, so it must
      // not take a credit (the connection would stall after maxInFlightPerClient of them)
      LOG.debug("[{}] {} dropped resend seq {} (last {})", gw.serverId(), id, clientSeq, lastClientSeq);
      return;
    }
    lastClientSeq = Math.max(lastClientSeq, clientSeq);
    gw.vertx().eventBus().send(Addresses.STATE_ACTIVITY,
        new ActivityIn(sessionId, id, act, clientSeq, System.nanoTime()));
    if (++inFlight >= gw.settings().maxInFlightPerClient() && !pausedForCredit) {
      pausedForCredit = true;
      transport.pause();
    }
  }

  /** Takes a token of the activity rate limit; true when there is none (the limit is crossed). */
  private boolean overRate() {
    int rate = gw.settings().activityRateLimit();
    if (rate <= 0) {
      return false;
    }
    long now = System.nanoTime();
    if (activityTokens < 0) {
      activityTokens = rate;
    } else {
      activityTokens = Math.min(rate, activityTokens + (now - activityTokensAt) * rate / 1e9);
    }
    activityTokensAt = now;
    if (activityTokens < 1) {
      return true;
    }
    activityTokens--;
    return false;
  }

  /** Writes a batch of delivered activities (one write for the whole batch). */
  void deliver(Buffer classicLines, Buffer resumeLines) {
    if (closed || leaving) {
      return;
    }
    transport.write(resumeClient ? resumeLines : classicLines);
    if (transport.writeQueueFull()) {
      LOG.warn("[{}] {} too slow: more than {} bytes queued, disconnecting", gw.serverId(), id,
          gw.settings().clientWriteQueueMaxBytes());
      closeConnection("slow consumer");
      transport.abort();
    }
  }

  /** {@code count} of this connection's own activities were broadcast (after the batch was written). */
  void releaseCredit(int count) {
    if (closed) {
      return;
    }
    inFlight -= count;
    if (logoutPending && inFlight <= 0) {
      finishPendingLogout();
      return;
    }
    if (pausedForCredit && !logoutPending && inFlight < gw.settings().maxInFlightPerClient() / 2) {
      pausedForCredit = false;
      transport.resume();
    }
  }

  /** The session was resumed on another connection or server. */
  void kick() {
    sessionId = null;
    transport.write(MessageCodec.reply(Command.INVALID_MESSAGE, "session resumed on another connection"));
    closeConnection("session taken over");
  }

  // ---- replies and closing, in one place ----

  private void reply(Command command, String info) {
    transport.write(MessageCodec.reply(command, info));
  }

  private void replyAndClose(Command command, String info) {
    reply(command, info);
    closeConnection(command.name());
  }

  private void fail(ProtocolError error) {
    fail(error, error.reply() == Command.AUTHENTICATION_FAIL ? ProtocolErrorKind.AUTHENTICATION_FAIL
        : ProtocolErrorKind.INVALID_MESSAGE);
  }

  private void fail(ProtocolError error, ProtocolErrorKind kind) {
    LOG.warn("[{}] {} {}: {}", gw.serverId(), id, error.reply(), error.info());
    gw.metrics().protocolError(kind);
    replyAndClose(error.reply(), error.info());
  }

  private void authFail(String info) {
    fail(ProtocolError.authFail(info));
  }

  /** {@code reply}: LOGIN_FAILED or REGISTER_FAILED. */
  private void internalError(Command reply, Throwable err) {
    LOG.error("[{}] {} {} failed", gw.serverId(), id, reply, err);
    replyAndClose(reply, "server unavailable, try again: " + err.getMessage());
  }

  /**
   * The session is let go of: {@code exact} REDIRECT was written (owed what was applied from the freeze
   * on), {@code frozen} a redirect had begun (the state already gave up its load); otherwise the
   * redelivery window applies.
   */
  private void sendDetach(String session, boolean anon, boolean exact, boolean frozen) {
    gw.vertx().eventBus().send(Addresses.STATE_DETACH, new JsonObject().put("session", session)
        .put("anonymous", anon).put("since", System.currentTimeMillis()).put("exact", exact).put("frozen", frozen));
  }

  private void closeConnection(String reason) {
    if (!closed) {
      LOG.debug("[{}] {} closing: {}", gw.serverId(), id, reason);
      closed = true;
      queued.clear();
      transport.close();
      // a client that does not read would hold the connection (and its queued bytes) forever
      gw.vertx().setTimer(CLOSE_GRACE_MILLIS, t -> {
        if (!transportGone) {
          LOG.debug("[{}] {} did not close within {} ms: aborting", gw.serverId(), id, CLOSE_GRACE_MILLIS);
          transport.abort();
        }
      });
    }
  }

  /** The transport closed (by either side). Leaves the session open and detached unless logged out. */
  public void onClosed() {
    closed = true;
    cancelLoginDeadline();
    transportGone = true;
    gw.onClosed(this);
    if (loginRequested) {
      gw.vertx().eventBus().send(Addresses.STATE_LOGIN_CANCEL, new JsonObject().put("connection", id));
    }
    if (sessionId != null) {
      sendDetach(sessionId, anonymous, redirectWritten, redirecting);
      sessionId = null;
    }
  }

  private <T> void waitFor(Future<T> f) {
    busy = true;
    transport.pause();
    f.onComplete(ar -> {
      busy = false;
      if (!closed) {
        transport.resume();
      }
      while (!busy && !closed && !queued.isEmpty()) {
        onLine(queued.pollFirst());
      }
    });
  }

  /** An expected "no" to a LOGIN or REGISTER, turned into LOGIN_FAILED / REGISTER_FAILED with this message. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }
}
