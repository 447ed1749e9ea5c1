package io.activitystreamer.gateway;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.state.Secrets;
import io.activitystreamer.state.UserRecord;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One client connection, whatever its transport: the thin adapter around its {@link ClientSession}. It
 * feeds the session the transport's lines and end, the state's answers, the gateway's deliveries and
 * the timers, and carries out what the session asks ({@link SessionEffects}): writes, event-bus
 * requests, timers, the hashing pool. Runs on its gateway instance's event loop.
 */
public final class ClientHandler implements SessionEffects {
  private final GatewayContext gw;
  private final ClientTransport transport;
  final String id;
  private final ClientSession session;
  /** The session this connection is subscribed under (deliveries, kicks); kept for the unsubscribe. */
  String sessionId;
  private final long[] timers = new long[ClientSession.Timer.values().length];

  ClientHandler(GatewayContext gw, ClientTransport transport, String id) {
    this.gw = gw;
    this.transport = transport;
    this.id = id;
    this.session = new ClientSession(gw.settings(), gw.serverId(), id, transport.tls(), this);
    java.util.Arrays.fill(timers, -1);
  }

  // ---- in: the transport and the gateway ----

  /** One complete line (TCP) or message (SockJS) from the client. */
  public void onLine(String line) {
    session.onLine(line, System.nanoTime());
  }

  /** A line longer than maxMessageBytes arrived. */
  public void onOverflow() {
    session.onOverflow();
  }

  /** The transport closed (by either side). */
  public void onClosed() {
    session.onTransportGone();
  }

  /** From now on the connection has {@code loginTimeoutMillis} to log in (0: for ever). */
  void armLoginDeadline() {
    session.onAdmitted();
  }

  /** The connection became a server link (which has its own handshake deadline). */
  void cancelLoginDeadline() {
    cancelTimer(ClientSession.Timer.LOGIN_DEADLINE);
  }

  /** Refused before anything was read (a connection limit): INVALID_MESSAGE {@code info} and close. */
  void refuse(String info) {
    session.onRefusedAdmission(info);
  }

  /** Logged in as anonymous (its session ends with the connection: a move may miss activities). */
  boolean anonymous() {
    return session.anonymous();
  }

  /** Sends the client to {@code target} ({@link ClientSession#onRedirect}); false when it does not move. */
  boolean redirect(JsonObject target) {
    return session.onRedirect(target);
  }

  /** Writes a batch of delivered activities (one write for the whole batch). */
  void deliver(Buffer classicLines, Buffer resumeLines, Map<String, Long> through, long nowNanos) {
    session.deliver(classicLines, resumeLines, through, nowNanos);
  }

  /** {@code count} of this connection's own activities were broadcast (after the batch was written). */
  void releaseCredit(int count) {
    session.onCredit(count);
  }

  /** The session was resumed on another connection or server. */
  void kick() {
    session.onKick();
  }

  // ---- out: the client ----

  @Override
  public void write(Buffer line) {
    transport.write(line);
  }

  @Override
  public void pauseReading() {
    transport.pause();
  }

  @Override
  public void resumeReading() {
    transport.resume();
  }

  @Override
  public void close() {
    transport.close();
  }

  @Override
  public void abort() {
    transport.abort();
  }

  @Override
  public boolean writeQueueFull() {
    return transport.writeQueueFull();
  }

  // ---- out: the state ----

  @Override
  public void register(String user, String plain) {
    int iterations = gw.settings().secretHashIterations();
    String salt = Secrets.newSalt();
    gw.vertx().eventBus().<JsonObject>request(Addresses.STATE_LOOKUP_USER, new JsonObject().put("username", user))
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.<Void>failedFuture(new Refused(user + " is already registered with the system"));
          }
          return BusError.of(ar.cause()) == BusError.NOT_REGISTERED ? Future.<Void>succeededFuture()
              : Future.<Void>failedFuture(ar.cause());
        })
        .compose(v -> gw.hash(HashPool.Priority.REGISTER, () -> Secrets.hash(plain, salt, iterations), session::closed))
        .compose(hash -> gw.vertx().eventBus().request(Addresses.STATE_REGISTER, new JsonObject()
            .put("username", user).put("salt", salt).put("hash", hash).put("iterations", iterations))
            .recover(err -> Future.failedFuture(BusError.of(err) == BusError.ALREADY_REGISTERED
                ? new Refused(user + " is already registered with the system") : err)))
        .onSuccess(ok -> session.onRegistered(System.nanoTime()))
        .onFailure(this::answerFailure);
  }

  /**
   * Checks the secret on the hashing pool. An unknown name is hashed too, against a dummy record of the
   * same cost, so that it is answered in the same time as a wrong secret.
   */
  @Override
  public void checkSecret(String user, String plain) {
    gw.vertx().eventBus().<JsonObject>request(Addresses.STATE_LOOKUP_USER, new JsonObject().put("username", user))
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
        }, session::closed))
        .onSuccess(refusal -> {
          if (refusal == null) {
            session.onSecretChecked();
          } else {
            session.onRefused(refusal);
          }
        })
        .onFailure(this::answerFailure);
  }

  private void answerFailure(Throwable err) {
    if (err instanceof Refused refused) {
      session.onRefused(refused.getMessage());
    } else if (err instanceof HashPool.Busy busy) {
      session.onHashBusy(busy.getMessage());
    } else if (!(err instanceof HashPool.Cancelled)) {
      session.onFailed(err);
    }
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

  @Override
  public void login(String user, boolean anonymous, JsonObject resume) {
    gw.vertx().eventBus().<LoginResult>request(Addresses.STATE_LOGIN, new JsonObject()
            .put("username", user).put("anonymous", anonymous).put("connection", id).put("resume", resume))
        .onSuccess(msg -> session.onLoginReply(msg.body(), System.nanoTime()))
        .onFailure(session::onFailed);
  }

  @Override
  public void cancelLogin() {
    gw.vertx().eventBus().send(Addresses.STATE_LOGIN_CANCEL, new JsonObject().put("connection", id));
  }

  @Override
  public void freeze(String session, JsonObject target) {
    gw.vertx().eventBus().request(Addresses.STATE_FREEZE, new JsonObject().put("session", session).put("target", target))
        .onComplete(ar -> this.session.onFrozen(ar.succeeded() && ar.result().body() instanceof JsonObject a
            ? a.getJsonObject(Fields.RESUME) : null)); // (an anonymous resume client's token)
  }

  @Override
  public void logout(String session) {
    gw.vertx().eventBus().send(Addresses.STATE_LOGOUT, new JsonObject().put("session", session));
  }

  @Override
  public void detach(String session, boolean anonymous, boolean exact, boolean frozen) {
    JsonObject detach = new JsonObject().put("session", session)
        .put("anonymous", anonymous).put("since", System.currentTimeMillis()).put("exact", exact).put("frozen", frozen);
    Map<String, Long> read = transport.readThrough();
    if (!exact && read != null) {
      detach.put("read", new JsonObject(new HashMap<>(read))); // it closed having read everything up to these
    }
    gw.vertx().eventBus().send(Addresses.STATE_DETACH, detach);
  }

  @Override
  public void wroteThrough(Map<String, Long> positions, long nowNanos) {
    transport.wroteThrough(positions, nowNanos);
  }

  @Override
  public void activity(String session, JsonObject activity, long clientSeq, long acceptedNanos) {
    gw.vertx().eventBus().send(Addresses.STATE_ACTIVITY, new ActivityIn(session, id, activity, clientSeq, acceptedNanos));
  }

  // ---- out: timers ----

  @Override
  public void startTimer(ClientSession.Timer timer, long millis) {
    int i = timer.ordinal();
    timers[i] = gw.vertx().setTimer(millis, t -> {
      timers[i] = -1;
      session.onTimer(timer);
    });
  }

  @Override
  public void cancelTimer(ClientSession.Timer timer) {
    int i = timer.ordinal();
    if (timers[i] >= 0) {
      gw.vertx().cancelTimer(timers[i]);
      timers[i] = -1;
    }
  }

  // ---- out: the gateway and the server ----

  @Override
  public void subscribe(String session) {
    sessionId = session;
    gw.onLoggedIn(this);
  }

  @Override
  public void unsubscribe() {
    gw.onClosed(this);
  }

  @Override
  public void pickTarget() {
    gw.balancer().pick().onSuccess(target -> {
      if (target != null) {
        redirect(target);
      }
    });
  }

  @Override
  public long failed(String user) {
    return gw.throttle().failed(transport.remoteIp(), user, System.currentTimeMillis());
  }

  @Override
  public void succeeded(String user) {
    gw.throttle().succeeded(transport.remoteIp(), user);
  }

  @Override
  public String storeFailure() {
    return gw.storeFailure();
  }

  @Override
  public void limited(Limit limit) {
    gw.metrics().limited(limit);
  }

  @Override
  public void protocolError(ProtocolErrorKind kind) {
    gw.metrics().protocolError(kind);
  }

  @Override
  public void registerOutcome(Outcome outcome) {
    gw.metrics().register(outcome);
  }

  @Override
  public void loginOutcome(Outcome outcome) {
    gw.metrics().login(outcome);
  }

  @Override
  public void redirected() {
    gw.metrics().redirected();
  }

  /** An expected "no" to a LOGIN or REGISTER, turned into LOGIN_FAILED / REGISTER_FAILED with this message. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }
}
