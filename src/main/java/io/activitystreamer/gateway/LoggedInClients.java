package io.activitystreamer.gateway;

import io.activitystreamer.bus.DeliveryBatch;
import io.activitystreamer.http.GatewayMetrics;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The logged-in connections of one gateway instance, by connection id (in login order: the longest
 * connected first) and by session, and what reaches them as a group: the fan-out of a
 * {@link DeliveryBatch} (one write per connection; the senders' credit and delivery latency after it), a
 * kick of a session resumed elsewhere, and the redirects of a rebalancing. Its instance's event loop
 * only.
 */
final class LoggedInClients {
  private final Map<String, ClientHandler> loggedIn = new LinkedHashMap<>();
  private final Map<String, ClientHandler> bySession = new HashMap<>();
  private final GatewayMetrics metrics;

  LoggedInClients(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  void add(ClientHandler h) {
    loggedIn.put(h.id, h);
    bySession.put(h.sessionId, h);
  }

  void remove(ClientHandler h) {
    loggedIn.remove(h.id);
    if (h.sessionId != null) {
      bySession.remove(h.sessionId, h);
    }
  }

  /** The session was resumed on another connection or server. */
  void kick(String session) {
    ClientHandler h = bySession.get(session);
    if (h != null) {
      h.kick();
    }
  }

  void deliver(DeliveryBatch batch) {
    long writing = System.nanoTime(); // once per batch, for every connection it is written to
    for (ClientHandler h : new ArrayList<>(loggedIn.values())) {
      h.deliver(batch.classicLines(), batch.resumeLines(), batch.through(), writing);
    }
    long written = System.nanoTime();
    metrics.activitiesOut((long) loggedIn.size() * batch.count());
    batch.senders().forEach((connection, accepted) -> {
      ClientHandler sender = loggedIn.get(connection);
      if (sender != null) {
        // the sender's instance times its activities: accepted here, written to this instance's recipients
        for (int i = 0; i < accepted.count(); i++) {
          if (accepted.acceptedNanos(i) != 0) {
            metrics.deliveryLatency(accepted.acceptedNanos(i), written);
          }
        }
        metrics.activitiesIn(accepted.count());
        sender.releaseCredit(accepted.count());
      }
    });
  }

  /**
   * Rebalancing: redirects up to {@code count} of these clients to {@code {hostname, port}}, the
   * longest-connected first (a client that just arrived by redirect is the last to move again), named
   * sessions only unless {@code anonymous} is true (a named session loses nothing by a move; an
   * anonymous one misses what is published while it moves). Returns how many were moved.
   */
  int rebalance(JsonObject order) {
    int count = order.getInteger(Fields.COUNT);
    boolean anonymousToo = order.getBoolean(Fields.ANONYMOUS, false);
    JsonObject target = new JsonObject().put(Fields.HOSTNAME, order.getString(Fields.HOSTNAME))
        .put(Fields.PORT, order.getInteger(Fields.PORT)).put(Fields.TLS_PORT, order.getInteger(Fields.TLS_PORT, 0));
    List<ClientHandler> movable = new ArrayList<>(loggedIn.values());
    int moved = 0;
    for (ClientHandler h : movable) {
      if (moved >= count) {
        break;
      }
      if ((anonymousToo || !h.anonymous()) && h.redirect(target)) {
        moved++;
      }
    }
    return moved;
  }
}
