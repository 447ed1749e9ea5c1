package io.activitystreamer.gateway;

import io.activitystreamer.balance.BalancerClient;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/** What a {@link ClientHandler} needs from the gateway instance that owns it. */
interface GatewayContext {
  Vertx vertx();

  ServerConfig settings();

  String serverId();

  BalancerClient balancer();

  void onLoggedIn(ClientHandler h);

  void onClosed(ClientHandler h);

  /** The server's meters (/metrics). */
  GatewayMetrics metrics();

  FailureThrottle throttle();

  /** Why this server's data directory cannot be written now (a full disk), or null. */
  String storeFailure();

  /** Runs a secret hash on the server's bounded hashing pool (see {@link HashPool#submit}). */
  <T> Future<T> hash(HashPool.Priority priority, Callable<T> work, BooleanSupplier cancelled);
}
