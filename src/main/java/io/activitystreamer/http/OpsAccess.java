package io.activitystreamer.http;

import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.util.ConstantTime;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who may read the ops endpoints ({@code /metrics}, {@code /api/mesh}): a request that arrived on the
 * address {@code opsBind} (as if they were served by a listener bound there: 127.0.0.1, the default,
 * means from this host only, on any loopback address; 0.0.0.0 or :: means from anywhere), or one with
 * {@code Authorization: Bearer <opsToken>} when a token is set. Others get 403 (401 when a token would
 * open them).
 */
final class OpsAccess {
  private final boolean anyAddress;
  private final boolean loopback;
  private final InetAddress bind;
  private final String token;

  OpsAccess(ServerConfig config) {
    String b = config.opsBind().trim();
    InetAddress addr = null;
    try {
      addr = b.isEmpty() ? null : InetAddress.getByName(b);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("opsBind: unknown address '" + b + "'");
    }
    this.anyAddress = addr != null && addr.isAnyLocalAddress();
    this.loopback = addr != null && addr.isLoopbackAddress();
    this.bind = addr;
    this.token = config.opsToken();
  }

  void check(RoutingContext ctx, GatewayMetrics metrics) {
    if (allowed(ctx)) {
      ctx.next();
      return;
    }
    metrics.limited(GatewayMetrics.Limit.OPS_REFUSED);
    boolean tokenWouldDo = !token.isEmpty();
    if (tokenWouldDo) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    ctx.response().setStatusCode(tokenWouldDo ? 401 : 403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
        .putHeader("Cache-Control", "no-store")
        .end("ops endpoints answer on opsBind " + (bind == null ? "(none)" : bind.getHostAddress())
            + (tokenWouldDo ? " or with Authorization: Bearer <opsToken>" : " only") + "\n");
  }

  private boolean allowed(RoutingContext ctx) {
    if (!token.isEmpty()) {
      String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
      if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
          && ConstantTime.equals(auth.substring(7).trim(), token)) {
        return true;
      }
    }
    if (anyAddress) {
      return true;
    }
    SocketAddress local = ctx.request().localAddress();
    if (bind == null || local == null || local.hostAddress() == null) {
      return false;
    }
    try {
      InetAddress on = InetAddress.getByName(local.hostAddress());
      return loopback ? on.isLoopbackAddress() : on.equals(bind);
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
