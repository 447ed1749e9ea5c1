package io.activitystreamer.http;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web origins whose pages may use this server: SockJS sessions and cross-origin reads of
 * {@code /api/mesh}. By default the page's own origin (the request's {@code Origin} is the origin of its
 * {@code Host}) and the pages of the mesh's members ({@code http(s)://hostname:httpPort} of every member
 * this server has seen linked, kept after it dies: the page of a dead member fails over here); plus
 * {@code sockjsAllowedOrigins} (comma-separated; {@code *} allows every origin). A request without an
 * {@code Origin} (not from a browser page, or same-origin navigation) is allowed.
 */
final class PageOrigins {
  private final Set<String> configured;
  private final Set<String> members = ConcurrentHashMap.newKeySet();

  PageOrigins(Vertx vertx, ServerConfig config) {
    this.configured = HttpApi.origins(config.sockjsAllowedOrigins());
    if (config.httpPort() > 0) {
      addMember(config.localHostname(), config.httpPort());
    }
    vertx.eventBus().<JsonObject>localConsumer(Addresses.MEMBERS_CHANGED, m -> {
      JsonArray list = m.body().getJsonArray("members", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        JsonObject mm = list.getJsonObject(i);
        addMember(mm.getString("hostname"), mm.getInteger("httpPort", 0));
      }
    });
  }

  private void addMember(String hostname, int httpPort) {
    if (hostname != null && httpPort > 0) {
      String h = hostname.toLowerCase(Locale.ROOT);
      members.add("http://" + h + ":" + httpPort);
      members.add("https://" + h + ":" + httpPort);
    }
  }

  /** True when the request has no Origin or an allowed one. */
  boolean allows(HttpServerRequest request) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    return origin == null || allows(origin, request.getHeader(HttpHeaders.HOST));
  }

  boolean allows(String origin, String host) {
    if (configured.contains("*") || configured.contains(origin)) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT);
    if (host != null) {
      String h = host.toLowerCase(Locale.ROOT);
      if (o.equals("http://" + h) || o.equals("https://" + h)) {
        return true; // the page's own origin
      }
    }
    return members.contains(o);
  }
}
