package io.activitystreamer.http;

import io.activitystreamer.config.ServerConfig;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.Arrays;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a server, on {@code httpPort}: SockJS at {@code /sockjs} (one client connection per
 * SockJS session, handed to the gateway), the browser client ({@code webroot/}, from the file system
 * when run from the project directory, else from the jar), the SockJS client library from its webjar,
 * and the ops endpoints {@code /health}, {@code /metrics}, {@code /api/mesh}.
 *
 * <p>Limits: a request body (or WebSocket message) larger than {@link #bodyLimit} is refused (413, or the
 * WebSocket is closed with 1009); the limit is {@code maxHttpBodyBytes}, raised if needed so that a
 * command of {@code maxMessageBytes} still fits after SockJS's JSON string escaping, so an oversized
 * command gets the same INVALID_MESSAGE as on TCP. SockJS requests whose {@code Origin} is not in
 * {@code sockjsAllowedOrigins} (comma-separated; {@code *} allows all) get 403.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  /** Where the SockJS client library is served; index.html loads it from here. */
  public static final String WEBJARS = "/webjars/*";
  /** The sockjs-client build the page and the SockJS iframe load (from the webjar in the jar). */
  public static final String SOCKJS_LIBRARY = "/webjars/sockjs-client/1.6.1/dist/sockjs.min.js";

  private HttpApi() {}

  /** Request bodies and WebSocket messages larger than this are refused before reaching the protocol. */
  public static int bodyLimit(ServerConfig config) {
    return Math.max(config.maxHttpBodyBytes(), 2 * config.maxMessageBytes() + 64);
  }

  public static HttpServerOptions serverOptions(ServerConfig config) {
    int limit = bodyLimit(config);
    return new HttpServerOptions().setHost(config.bindHost()).setPort(config.httpPort()).setReuseAddress(true)
        .setTcpNoDelay(true).setMaxWebSocketMessageSize(limit).setMaxWebSocketFrameSize(limit)
        .setMaxFormAttributeSize(limit);
  }

  /**
   * The router of one gateway instance.
   *
   * @param tcpPort the client/server port actually bound (for /health and /api/mesh)
   * @param sockets receives every new SockJS connection
   */
  public static Router router(Vertx vertx, ServerConfig config, String serverId, IntSupplier tcpPort,
      Handler<SockJSSocket> sockets) {
    Router router = Router.router(vertx);
    int limit = bodyLimit(config);
    router.route().handler(ctx -> limitBody(ctx, limit));
    GatewayMetrics metrics = GatewayMetrics.of(vertx);
    OpsHandlers ops = new OpsHandlers(vertx, config, serverId, tcpPort, metrics);
    // /health, /health/live, /health/ready: the handler takes what follows /health as the check (group) asked
    router.get("/health*").handler(ctx -> {
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.next();
    }).handler(ops.healthHandler());
    router.get("/metrics").handler(ops::refreshState).handler(PrometheusScrapingHandler.create(metrics.registry()));
    router.get("/api/mesh").handler(ops::mesh);
    Set<String> origins = origins(config.sockjsAllowedOrigins());
    router.route("/sockjs/*").handler(ctx -> checkOrigin(ctx, origins, serverId));
    SockJSHandlerOptions sockOpts = new SockJSHandlerOptions().setInsertJSESSIONID(false)
        .setHeartbeatInterval(10_000).setSessionTimeout(10_000)
        // the iframe transports load the library in their iframe: ours, not a CDN's
        .setLibraryURL(SOCKJS_LIBRARY);
    // the xhr, xhr_send and jsonp_send transports POST their frames: the body must be read first
    router.post("/sockjs/*").handler(BodyHandler.create().setBodyLimit(limit).setHandleFileUploads(false));
    router.route("/sockjs/*").subRouter(SockJSHandler.create(vertx, sockOpts).socketHandler(sockets));
    router.route(WEBJARS).handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    return router;
  }

  static Set<String> origins(String configured) {
    return Arrays.stream(configured.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s).collect(Collectors.toSet());
  }

  private static void checkOrigin(RoutingContext ctx, Set<String> allowed, String serverId) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (allowed.contains("*") || origin == null || allowed.contains(origin)) {
      ctx.next();
      return;
    }
    LOG.warn("[{}] SockJS request from origin {} refused (sockjsAllowedOrigins)", serverId, origin);
    ctx.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
        .end("origin not allowed: " + origin);
  }

  private static void limitBody(RoutingContext ctx, int limit) {
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    long n;
    try {
      n = length == null ? 0 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      n = Long.MAX_VALUE;
    }
    if (n > limit) {
      ctx.response().setStatusCode(413).putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .end("request body larger than " + limit + " bytes");
      return;
    }
    if (length == null && ctx.request().headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      ctx.response().setStatusCode(411).putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end("Content-Length required");
      return;
    }
    ctx.next();
  }
}
