package io.activitystreamer.gateway;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.activitystreamer.protocol.Fields;
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
  private final SecretRequests secrets;
  /** The session this connection is subscribed under (deliveries, kicks); kept for the unsubscribe. */
  String sessionId;
  private final long[] timers = new long[ClientSession.Timer.values().length];

  ClientHandler(GatewayContext gw, ClientTransport transport, String id) {
    this.gw = gw;
    this.transport = transport;
    this.id = id;
    this.session = new ClientSession(gw.settings(), gw.serverId(), id, transport.tls(), this);
    this.secrets = new SecretRequests(gw, session);
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

  @Override
  public void awaitDrain() {
    transport.drainHandler(() -> {
      transport.drainHandler(null);
      session.onDrained();
    });
  }

  // ---- out: the state ----

  @Override
  public void register(String user, String plain) {
    secrets.register(user, plain);
  }

  @Override
  public void checkSecret(String user, String plain) {
    secrets.checkSecret(user, plain);
  }

  @Override
  public void login(String user, boolean anonymous, JsonObject resume) {
    gw.vertx().eventBus().<LoginResult>request(Addresses.STATE_LOGIN, new JsonObject()
            .put(Fields.USERNAME, user).put(Fields.ANONYMOUS, anonymous).put(Fields.CONNECTION, id)
            .put(Fields.RESUME, resume))
        .onSuccess(msg -> session.onLoginReply(msg.body(), System.nanoTime()))
        .onFailure(session::onFailed);
  }

  @Override
  public void cancelLogin() {
    gw.vertx().eventBus().send(Addresses.STATE_LOGIN_CANCEL, new JsonObject().put(Fields.CONNECTION, id));
  }

  @Override
  public void freeze(String session, JsonObject target) {
    gw.vertx().eventBus().request(Addresses.STATE_FREEZE, new JsonObject().put(Fields.SESSION, session)
            .put(Fields.TARGET, target))
        .onComplete(ar -> this.session.onFrozen(ar.succeeded() && ar.result().body() instanceof JsonObject a
            ? a.getJsonObject(Fields.RESUME) : null)); // (an anonymous resume client's token)
  }

  @Override
  public void logout(String session) {
    gw.vertx().eventBus().send(Addresses.STATE_LOGOUT, new JsonObject().put(Fields.SESSION, session));
  }

  @Override
  public void detach(String session, boolean anonymous, boolean exact, boolean frozen) {
    JsonObject detach = new JsonObject().put(Fields.SESSION, session).put(Fields.ANONYMOUS, anonymous)
        .put(Fields.SINCE, System.currentTimeMillis()).put(Fields.EXACT, exact).put(Fields.FROZEN, frozen);
    Map<String, Long> read = transport.readThrough();
    if (!exact && read != null) {
      detach.put(Fields.READ, new JsonObject(new HashMap<>(read))); // it closed having read everything up to these
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
}
