package io.activitystreamer.http;

import io.activitystreamer.config.ServerConfig;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.micrometer.PrometheusScrapingHandler;
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
 * and the ops endpoints {@code /health} (vertx-health-check), {@code /metrics} (the server's Micrometer
 * registry, see {@link MeteredVertx}), {@code /api/mesh}.
 *
 * <p>Limits: a request body (or WebSocket message) larger than {@link #bodyLimit} is refused (413, or the
 * WebSocket is closed with 1009); the limit is {@code maxHttpBodyBytes}, raised if needed so that a
 * command of {@code maxMessageBytes} still fits after SockJS's JSON string escaping, so an oversized
 * command gets the same INVALID_MESSAGE as on TCP. SockJS requests from an {@code Origin} that is not a
 * page of the mesh nor in {@code sockjsAllowedOrigins} get 403 ({@link PageOrigins}). {@code /metrics} and
 * {@code /api/mesh} answer only requests on {@code opsBind} or with the {@code opsToken} ({@link OpsAccess});
 * the page and the webjars get a Content-Security-Policy, X-Frame-Options and nosniff.
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
    OpsAccess access = new OpsAccess(config);
    PageOrigins pages = new PageOrigins(vertx, config);
    // /health, /health/live, /health/ready: the handler takes what follows /health as the check (group) asked
    router.get("/health*").handler(ctx -> {
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.next();
    }).handler(ops.healthHandler());
    router.get("/metrics").handler(ctx -> access.check(ctx, metrics)).handler(ops::refreshState)
        .handler(PrometheusScrapingHandler.create(metrics.registry()));
    // the page's mesh panel reads it, from the page of another member too: CORS for the mesh's pages only
    router.get("/api/mesh").handler(ctx -> access.check(ctx, metrics)).handler(ctx -> {
      String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
      if (origin != null && pages.allows(ctx.request())) {
        ctx.response().putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin");
      }
      ctx.next();
    }).handler(ops::mesh);
    router.route("/sockjs/*").handler(ctx -> checkOrigin(ctx, pages, serverId, metrics));
    SockJSHandlerOptions sockOpts = new SockJSHandlerOptions().setInsertJSESSIONID(false)
        .setHeartbeatInterval(10_000).setSessionTimeout(10_000)
        // the iframe transports load the library in their iframe: ours, not a CDN's
        .setLibraryURL(SOCKJS_LIBRARY);
    // the xhr, xhr_send and jsonp_send transports POST their frames: the body must be read first
    router.post("/sockjs/*").handler(BodyHandler.create().setBodyLimit(limit).setHandleFileUploads(false));
    router.route("/sockjs/*").subRouter(SockJSHandler.create(vertx, sockOpts).socketHandler(sockets));
    router.route(WEBJARS).handler(HttpApi::pageHeaders)
        .handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    router.route("/*").handler(HttpApi::pageHeaders).handler(StaticHandler.create("webroot").setCachingEnabled(false));
    return router;
  }

  /**
   * The page's policy: scripts, styles and images from this server only (the page has no inline script
   * or style), SockJS (XHR, WebSocket, its iframe) to any member (they are on other ports or hosts), never
   * framed (clickjacking), no MIME sniffing. Not on /sockjs: its iframe page has an inline script.
   */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self' http: https: ws: wss:; frame-src 'self' http: https:; frame-ancestors 'none';"
      + " object-src 'none'; base-uri 'none'; form-action 'self'";

  private static void pageHeaders(RoutingContext ctx) {
    ctx.response().putHeader("Content-Security-Policy", CSP).putHeader("X-Frame-Options", "DENY")
        .putHeader("X-Content-Type-Options", "nosniff");
    // no Referrer-Policy no-referrer / same-origin: with them a form POST (SockJS's jsonp_send) carries
    // "Origin: null", which the origin check of /sockjs must refuse
    ctx.next();
  }

  static Set<String> origins(String configured) {
    return Arrays.stream(configured.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s).collect(Collectors.toSet());
  }

  private static void checkOrigin(RoutingContext ctx, PageOrigins pages, String serverId, GatewayMetrics metrics) {
    if (pages.allows(ctx.request())) {
      ctx.next();
      return;
    }
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    metrics.limited(GatewayMetrics.Limit.ORIGIN_REFUSED);
    LOG.warn("[{}] SockJS request from origin {} refused (not a page of the mesh, not in sockjsAllowedOrigins)",
        serverId, origin);
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
