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
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * {@code /health}, {@code /metrics} and {@code /api/mesh}. All three read the state verticle's
 * {@link Addresses#STATE_MESH_INFO} reply (members with status, link and load; sessions; backlog) and the
 * gateway's {@link GatewayMetrics}.
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

  /** Liveness only: the process answers. */
  void live(RoutingContext ctx) {
    json(ctx.response(), 200, new JsonObject().put("status", "UP").put("server", serverId));
  }

  /** Liveness and readiness: 200 when listening and joined to the mesh, else 503; the body says why. */
  void health(RoutingContext ctx) {
    int port = tcpPort.getAsInt();
    info().onComplete(ar -> {
      boolean listening = port > 0;
      boolean joined = ar.succeeded() && ar.result().getBoolean("joined", false);
      JsonObject checks = new JsonObject()
          .put("listening", new JsonObject().put("ok", listening).put("port", port).put("httpPort", config.httpPort()))
          .put("meshJoined", new JsonObject().put("ok", joined));
      if (ar.failed()) {
        checks.getJsonObject("meshJoined").put("error", "state not answering: " + ar.cause().getMessage());
      } else {
        checks.getJsonObject("meshJoined").put("members", aliveMembers(ar.result()));
      }
      boolean ready = listening && joined;
      json(ctx.response(), ready ? 200 : 503, new JsonObject().put("status", ready ? "UP" : "DOWN")
          .put("live", true).put("ready", ready).put("server", serverId).put("checks", checks));
    });
  }

  /** The mesh as this server sees it, for the browser's mesh panel (CORS open: pages of other members poll it). */
  void mesh(RoutingContext ctx) {
    info().onComplete(ar -> {
      HttpServerResponse resp = ctx.response().putHeader("Access-Control-Allow-Origin", "*");
      if (ar.failed()) {
        json(resp, 503, new JsonObject().put("error", "state not answering: " + ar.cause().getMessage()));
        return;
      }
      JsonObject view = ar.result().copy().put("server", serverId).put("port", tcpPort.getAsInt())
          .put("httpPort", config.httpPort()).put("gateway", gatewayJson());
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
        .put("activitiesInPerSecond", metrics.activitiesInPerSecond())
        .put("activitiesOutPerSecond", metrics.activitiesOutPerSecond())
        .put("redirects", metrics.redirects()).put("protocolErrors", metrics.protocolErrors());
  }

  /** Prometheus text format 0.0.4. */
  void metrics(RoutingContext ctx) {
    info().onComplete(ar -> {
      JsonObject info = ar.succeeded() ? ar.result() : new JsonObject();
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
          .end(prometheus(info, ar.succeeded()));
    });
  }

  String prometheus(JsonObject info, boolean stateAnswered) {
    PrometheusText p = new PrometheusText();
    p.gauge("streamer_up", "1 while the server answers; state_answering tells whether its state does", 1);
    p.gauge("streamer_state_answering", "1 when the state verticle answered the mesh-info request",
        stateAnswered ? 1 : 0);
    p.gauge("streamer_mesh_joined", "1 once this server has joined the mesh", info.getBoolean("joined", false) ? 1 : 0);
    p.help("streamer_connections_open", "gauge", "client connections open now, by transport");
    p.help("streamer_connections_opened_total", "counter", "client connections accepted, by transport");
    for (Transport t : Transport.values()) {
      String label = "transport=\"" + t.name().toLowerCase(Locale.ROOT) + "\"";
      p.sample("streamer_connections_open", label, metrics.open(t));
      p.sample("streamer_connections_opened_total", label, metrics.opened(t));
    }
    p.gauge("streamer_load", "connected clients, as announced to the mesh", info.getInteger("load", 0));
    p.gauge("streamer_users", "registered users (mesh-wide)", info.getInteger("users", 0));
    p.help("streamer_sessions", "gauge", "open sessions: all (mesh-wide), here (attached to this server), detached");
    p.sample("streamer_sessions", "kind=\"all\"", info.getInteger("sessions", 0));
    p.sample("streamer_sessions", "kind=\"here\"", info.getInteger("sessionsHere", 0));
    p.sample("streamer_sessions", "kind=\"detached\"", info.getInteger("sessionsDetached", 0));
    p.counter("streamer_activities_in_total", "activities accepted from clients of this server",
        metrics.activitiesIn());
    p.counter("streamer_activities_out_total", "ACTIVITY_BROADCAST lines written to clients of this server",
        metrics.activitiesOut());
    p.gauge("streamer_activities_in_per_second", "activities accepted per second (last second)",
        metrics.activitiesInPerSecond());
    p.gauge("streamer_activities_out_per_second", "activities written per second (last second)",
        metrics.activitiesOutPerSecond());
    p.gauge("streamer_backlog_entries", "activities kept for sessions that have not received them",
        info.getLong("backlogEntries", 0L));
    p.counter("streamer_backlog_dropped_total", "activities dropped past the backlog bounds",
        info.getLong("backlogDropped", 0L));
    p.gauge("streamer_mesh_retained_events", "replicated events retained for peers", info.getLong("retainedEvents", 0L));
    p.gauge("streamer_mesh_pending_events", "replicated events waiting for their predecessors",
        info.getLong("pendingEvents", 0L));
    meshMembers(p, info.getJsonArray("members", new JsonArray()));
    p.counter("streamer_redirects_total", "clients sent a REDIRECT by this server", metrics.redirects());
    p.counter("streamer_protocol_errors_total", "bad inputs refused (INVALID_MESSAGE, AUTHENTICATION_FAIL)",
        metrics.protocolErrors());
    storeMetrics(p, info.getJsonObject("store"));
    return p.toString();
  }

  /** The data directory's store (docs/durability.md); nothing when the server runs in memory only. */
  private static void storeMetrics(PrometheusText p, JsonObject store) {
    if (store == null) {
      return;
    }
    p.gauge("streamer_store_bytes", "bytes on disk of the store (database and WAL)", store.getLong("bytes", 0L));
    p.gauge("streamer_store_journal_events", "events journaled since the last snapshot (replayed at a restart)",
        store.getLong("journalRows", 0L));
    p.help("streamer_store_commit_seconds", "summary", "store commits (one per batch of events) and their duration");
    p.sample("streamer_store_commit_seconds_count", null, store.getLong("commits", 0L));
    p.sample("streamer_store_commit_seconds_sum", null, store.getDouble("commitSecondsTotal", 0.0));
    p.gauge("streamer_store_commit_seconds_max", "longest store commit since start",
        store.getDouble("commitMillisMax", 0.0) / 1000);
    p.gauge("streamer_store_failing", "1 while store commits fail (replies and deliveries wait)",
        store.getBoolean("failing", false) ? 1 : 0);
  }

  private static void meshMembers(PrometheusText p, JsonArray members) {
    int up = 0;
    int down = 0;
    int[] byStatus = new int[3];
    String[] statuses = {"ALIVE", "SUSPECT", "DEAD"};
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      String status = m.getString("status", "");
      for (int s = 0; s < statuses.length; s++) {
        if (statuses[s].equals(status)) {
          byStatus[s]++;
        }
      }
      if (m.getBoolean("self", false) || "DEAD".equals(status)) {
        continue;
      }
      if (m.getBoolean("linked", false)) {
        up++;
      } else {
        down++;
      }
    }
    p.help("streamer_mesh_members", "gauge", "members known to this server (itself included), by status");
    for (int s = 0; s < statuses.length; s++) {
      p.sample("streamer_mesh_members", "status=\"" + statuses[s].toLowerCase(Locale.ROOT) + "\"", byStatus[s]);
    }
    p.help("streamer_mesh_links", "gauge", "links to live members: up, or down (being retried)");
    p.sample("streamer_mesh_links", "state=\"up\"", up);
    p.sample("streamer_mesh_links", "state=\"down\"", down);
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
