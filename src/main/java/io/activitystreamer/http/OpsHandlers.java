package io.activitystreamer.http;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.GatewayMetrics.Transport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.util.function.IntSupplier;

/**
 * {@code /health}, {@code /metrics} and {@code /api/mesh}. All three read the state verticle's
 * {@link Addresses#STATE_MESH_INFO} reply (members with status, link and load; sessions; backlog);
 * {@code /api/mesh} also the gateway's counters in {@link GatewayMetrics}.
 */
final class OpsHandlers {
  private static final long INFO_TIMEOUT_MILLIS = 2000;
  private static final String JSON = "application/json; charset=utf-8";

  private final Vertx vertx;
  private final ServerConfig config;
  private final String serverId;
  private final IntSupplier tcpPort;
  private final GatewayMetrics metrics;

  OpsHandlers(Vertx vertx, ServerConfig config, String serverId, IntSupplier tcpPort, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.serverId = serverId;
    this.tcpPort = tcpPort;
    this.metrics = metrics;
  }

  private Future<JsonObject> info() {
    return vertx.eventBus().<JsonObject>request(Addresses.STATE_MESH_INFO, new JsonObject(),
        new DeliveryOptions().setSendTimeout(INFO_TIMEOUT_MILLIS)).map(Message::body);
  }

  /**
   * {@code /health} (every check), {@code /health/live} (group live: the process answers) and
   * {@code /health/ready} (group ready: listening on the client/server port, joined to the mesh):
   * 200 when all the checks asked are UP, else 503, with vertx-health-check's JSON body saying which.
   */
  HealthCheckHandler healthHandler() {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("live/process", p -> p.complete(Status.OK(new JsonObject().put("server", serverId))));
    checks.register("ready/listening", p -> {
      int port = tcpPort.getAsInt();
      JsonObject data = new JsonObject().put("port", port).put("httpPort", config.httpPort());
      p.complete(port > 0 ? Status.OK(data) : Status.KO(data));
    });
    checks.register("ready/meshJoined", INFO_TIMEOUT_MILLIS + 500, p -> info().onComplete(ar -> {
      if (ar.failed()) {
        p.complete(Status.KO(new JsonObject().put("error", "state not answering: " + ar.cause().getMessage())));
        return;
      }
      JsonObject data = new JsonObject().put("members", aliveMembers(ar.result()));
      p.complete(ar.result().getBoolean("joined", false) ? Status.OK(data) : Status.KO(data));
    }));
    return HealthCheckHandler.createWithHealthChecks(checks);
  }

  /** The mesh as this server sees it, for the browser's mesh panel (CORS for the mesh's pages: see HttpApi). */
  void mesh(RoutingContext ctx) {
    info().onComplete(ar -> {
      HttpServerResponse resp = ctx.response();
      if (ar.failed()) {
        json(resp, 503, new JsonObject().put("error", "state not answering: " + ar.cause().getMessage()));
        return;
      }
      JsonObject view = ar.result().copy().put("server", serverId).put("port", tcpPort.getAsInt())
          .put("httpPort", config.httpPort()).put("transport", MeteredVertx.transport(vertx)).put("gateway", gatewayJson());
      JsonArray members = view.getJsonArray("members", new JsonArray());
      for (int i = 0; i < members.size(); i++) {
        JsonObject m = members.getJsonObject(i);
        if (m.getBoolean("self", false) && !m.containsKey("httpPort")) {
          m.put("httpPort", config.httpPort());
        }
      }
      json(resp, 200, view);
    });
  }

  private JsonObject gatewayJson() {
    return new JsonObject()
        .put("connections", new JsonObject().put("tcp", metrics.open(Transport.TCP))
            .put("sockjs", metrics.open(Transport.SOCKJS)))
        .put("activitiesIn", metrics.activitiesIn()).put("activitiesOut", metrics.activitiesOut())
        .put("redirects", metrics.redirects()).put("protocolErrors", metrics.protocolErrors())
        .put("limited", limitedJson());
  }

  private JsonObject limitedJson() {
    JsonObject out = new JsonObject();
    for (GatewayMetrics.Limit l : GatewayMetrics.Limit.values()) {
      out.put(l.label(), metrics.limitedCount(l));
    }
    return out;
  }

  /**
   * Before a scrape: the state's mesh-info for the state gauges, then on to the registry's scrape
   * (Prometheus text 0.0.4, or OpenMetrics when asked for).
   */
  void refreshState(RoutingContext ctx) {
    info().onComplete(ar -> {
      metrics.stateView(ar.succeeded() ? ar.result() : new JsonObject(), ar.succeeded());
      ctx.next();
    });
  }

  private static int aliveMembers(JsonObject info) {
    int n = 0;
    JsonArray members = info.getJsonArray("members", new JsonArray());
    for (int i = 0; i < members.size(); i++) {
      if ("ALIVE".equals(members.getJsonObject(i).getString("status"))) {
        n++;
      }
    }
    return n;
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body) {
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).putHeader("Cache-Control", "no-store")
        .end(body.encodePrettily());
  }
}
