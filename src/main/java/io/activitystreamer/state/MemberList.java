package io.activitystreamer.state;

import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * This server as the balancer and the clients see it, with its linked members: its load (the
 * connections logged in here; a redirected one leaves it at its freeze), the redirects begun here
 * (so the balancer knows its picks took effect), the port it is reached at, the member list it
 * publishes on every change, and the addresses a LOGIN reply lists. Pure and single-threaded; owned
 * by {@link ServerCore} on the state loop.
 */
final class MemberList {
  private final String selfId;
  private final ServerCore.Options options;
  private final MeshCore mesh;
  private final ServerCore.Effects<?> effects;
  private int load;
  private long redirectsBegun;
  private int selfPort;

  MemberList(String selfId, ServerCore.Options options, MeshCore mesh, ServerCore.Effects<?> effects) {
    this.selfId = selfId;
    this.options = options;
    this.mesh = mesh;
    this.effects = effects;
    this.selfPort = options.port();
  }

  int load() { return load; }

  int selfPort() { return selfPort; }

  void listeningOn(int port) { selfPort = port; }

  /** A connection logged in here. */
  void loggedIn() { load++; }

  /** A connection logged out or ended here. */
  void left() { load = Math.max(0, load - 1); }

  /** A redirect began: the connection is counted at its target from now on. */
  void redirectBegun() {
    left();
    redirectsBegun++;
  }

  /** host:port of this server and every linked member; {@code tls}: host:tlsPort of those that have one. */
  List<String> addresses(boolean tls) {
    List<String> out = new ArrayList<>();
    if (!tls || options.tlsPort() > 0) {
      out.add(options.hostname() + ":" + (tls ? options.tlsPort() : selfPort));
    }
    mesh.members().values().forEach(mm -> {
      if (mm.linked() && (!tls || mm.tlsPort() > 0)) {
        out.add(mm.hostname() + ":" + (tls ? mm.tlsPort() : mm.port()));
      }
    });
    return out;
  }

  /** Publishes this server and its linked members, with their loads (the balancer's input). */
  void changed() {
    JsonArray live = new JsonArray().add(new JsonObject().put(Fields.ID, selfId)
        .put(Fields.HOSTNAME, options.hostname()).put(Fields.PORT, selfPort).put(Fields.TLS_PORT, options.tlsPort())
        .put(Fields.LOAD, load).put(Fields.HTTP_PORT, options.httpPort()));
    mesh.members().values().forEach(mm -> {
      if (mm.linked()) {
        live.add(new JsonObject().put(Fields.ID, mm.id()).put(Fields.HOSTNAME, mm.hostname())
            .put(Fields.PORT, mm.port()).put(Fields.TLS_PORT, mm.tlsPort()).put(Fields.LOAD, mm.load())
            .put(Fields.HTTP_PORT, mm.httpPort()));
      }
    });
    effects.members(new JsonObject().put(Fields.SELF, selfId).put(Fields.MEMBERS, live)
        .put(Fields.REDIRECTS_BEGUN, redirectsBegun));
  }
}
