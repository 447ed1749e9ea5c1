package io.activitystreamer.balance;

import io.activitystreamer.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load balance (PROTOCOL.md section 5). Answers "where should this client go" after each LOGIN_SUCCESS
 * ({@link RedirectPolicy}), and once per announce interval checks whether the live servers' loads
 * spread by 2 or more; if so it carries out this server's moves of the shared {@link RebalancePlan}
 * through the gateway, then waits two announce intervals (fresh loads from everyone) before it plans
 * again. Loads come from the mesh core on {@link Addresses#MEMBERS_CHANGED}
 * ({@code {self, members:[{id, hostname, port, load}]}}); its own redirects count at once, so a burst
 * of logins is spread rather than all sent to one server.
 */
public final class BalancerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BalancerVerticle.class);

  private final LoadTable table = new LoadTable();
  private final long announceIntervalMillis;
  private final int gatewayInstances;
  private long quietUntil;
  private long redirects;

  public BalancerVerticle(long announceIntervalMillis, int gatewayInstances) {
    this.announceIntervalMillis = announceIntervalMillis;
    this.gatewayInstances = gatewayInstances;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>localConsumer(Addresses.MEMBERS_CHANGED, m -> onMembers(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.BALANCE_PICK, m -> m.reply(pick()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.BALANCE_STATS, m -> m.reply(new JsonObject()
        .put("redirects", redirects)));
    vertx.setPeriodic(announceIntervalMillis, id -> rebalance());
    return Future.succeededFuture();
  }

  private void onMembers(JsonObject body) {
    List<LoadTable.Server> live = new ArrayList<>();
    JsonArray members = body.getJsonArray("members", new JsonArray());
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      live.add(new LoadTable.Server(m.getString("id"), m.getString("hostname"), m.getInteger("port"),
          m.getInteger("load", 0)));
    }
    table.replace(body.getString("self"), live);
  }

  private JsonObject pick() {
    LoadTable.Server target = RedirectPolicy.pick(table);
    if (target == null) {
      return new JsonObject();
    }
    redirects++;
    shift(table.self().id(), target.id(), 1);
    return new JsonObject().put("hostname", target.hostname()).put("port", target.port());
  }

  private void shift(String from, String to, int count) {
    List<LoadTable.Server> updated = new ArrayList<>();
    for (LoadTable.Server s : table.servers()) {
      int delta = s.id().equals(to) ? count : s.id().equals(from) ? -count : 0;
      updated.add(new LoadTable.Server(s.id(), s.hostname(), s.port(), s.load() + delta));
    }
    table.replace(table.self() == null ? from : table.self().id(), updated);
  }

  private void rebalance() {
    long now = System.currentTimeMillis();
    LoadTable.Server self = table.self();
    if (self == null || now < quietUntil) {
      return;
    }
    for (RebalancePlan.Move move : RebalancePlan.plan(table.servers())) {
      if (move.from().id().equals(self.id())) {
        LOG.info("[{}] rebalancing: moving {} clients to {} (loads {})", self.id(), move.count(), move.to().id(),
            loads());
        quietUntil = now + 2 * announceIntervalMillis;
        redirects += move.count();
        shift(self.id(), move.to().id(), move.count());
        redirectThroughGateways(move.to(), move.count(), gatewayInstances);
      }
    }
  }

  /** Asks gateway instances (one request each, round robin) until {@code count} clients moved. */
  private void redirectThroughGateways(LoadTable.Server to, int count, int triesLeft) {
    if (count <= 0 || triesLeft <= 0) {
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.GATEWAY_REBALANCE, new JsonObject().put("count", count)
        .put("hostname", to.hostname()).put("port", to.port()))
        .onSuccess(r -> redirectThroughGateways(to, count - r.body().getInteger("moved", 0), triesLeft - 1))
        .onFailure(err -> LOG.warn("rebalance request failed: {}", err.getMessage()));
  }

  private String loads() {
    StringBuilder sb = new StringBuilder();
    for (LoadTable.Server s : table.servers()) {
      sb.append(s.id()).append('=').append(s.load()).append(' ');
    }
    return sb.toString().trim();
  }
}
