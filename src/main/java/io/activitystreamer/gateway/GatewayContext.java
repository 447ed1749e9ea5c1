package io.activitystreamer.gateway;

import io.activitystreamer.balance.BalancerClient;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics;
import io.vertx.core.Vertx;

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
}
