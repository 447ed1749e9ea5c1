package io.activitystreamer.gateway;

import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What a {@link ClientSession} asks of its connection's adapter ({@link ClientHandler}), carried out at
 * once and in the order asked: lines to the client, requests to the state, timers, the gateway's
 * registry, the meters. Each request is answered by one call back into the session (named below). Three
 * methods read instead of act ({@link #writeQueueFull}, {@link #failed}, {@link #storeFailure}): the parts
 * of the world the session's decisions depend on.
 */
interface SessionEffects {
  // ---- the client ----

  void write(Buffer line);

  /** A delivery batch cut at these positions was written at {@code nowNanos} ({@link ClientTransport#readThrough}). */
  void wroteThrough(Map<String, Long> positions, long nowNanos);

  void pauseReading();

  void resumeReading();

  /** Closes once what was written is flushed (the session arms {@link ClientSession.Timer#CLOSE_GRACE}). */
  void close();

  /** Closes now, dropping unflushed writes. */
  void abort();

  boolean writeQueueFull();

  /** Once the write queue is below half its limit again: {@code onDrained} (once). */
  void awaitDrain();

  // ---- the state (event bus) ----

  /** Name lookup, hash, mesh-wide registration: {@code onRegistered}, {@code onRefused}, {@code onHashBusy} or {@code onFailed}. */
  void register(String user, String plain);

  /** A LOGIN's secret check (lookup and hash): {@code onSecretChecked}, {@code onRefused}, {@code onHashBusy} or {@code onFailed}. */
  void checkSecret(String user, String plain);

  /** The LOGIN to the state: {@code onLoginReply} or {@code onFailed}. */
  void login(String user, boolean anonymous, JsonObject resume);

  /** This connection's LOGIN is no longer wanted (the transport went while the state held it). */
  void cancelLogin();

  /** The state freezes what the session is known to have: {@code onFrozen} (success or not). */
  void freeze(String session, JsonObject target);

  void logout(String session);

  /**
   * Lets go of the session: {@code exact} REDIRECT was written (owed what was applied from the freeze
   * on), {@code frozen} a redirect had begun (the state already gave up its load); otherwise the
   * redelivery window applies. The adapter stamps the time.
   */
  void detach(String session, boolean anonymous, boolean exact, boolean frozen);

  /** An accepted ACTIVITY_MESSAGE ({@code activity} carries {@code authenticated_user}). */
  void activity(String session, JsonObject activity, long clientSeq, long acceptedNanos);

  // ---- timers: each ends in onTimer unless cancelled; at most one of each kind runs ----

  void startTimer(ClientSession.Timer timer, long millis);

  void cancelTimer(ClientSession.Timer timer);

  // ---- the gateway instance and the server ----

  /** From now on activities are delivered here and a kick of {@code session} reaches this connection. */
  void subscribe(String session);

  /** No more deliveries (nor kicks). */
  void unsubscribe();

  /** Asks the balancer whether a client that just logged in should move (its answer: a redirect order). */
  void pickTarget();

  /** Counts a failed REGISTER or LOGIN of this address and {@code user} (may be null); the delay of its answer. */
  long failed(String user);

  /** A LOGIN of {@code user} succeeded from this address (its failures are forgotten). */
  void succeeded(String user);

  /** Why this server cannot store activities now, or null. */
  String storeFailure();

  // ---- meters (GatewayMetrics) ----

  void limited(Limit limit);

  void protocolError(ProtocolErrorKind kind);

  void registerOutcome(Outcome outcome);

  void loginOutcome(Outcome outcome);

  void redirected();
}
