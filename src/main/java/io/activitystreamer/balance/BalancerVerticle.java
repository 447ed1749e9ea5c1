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
 * ({@link RedirectPolicy} on the {@link LoadTable#estimate}: announced loads plus the clients this
 * server sent that the targets have not announced yet), and rebalances in rounds: every server starts a
 * round at the same wall-clock instants (multiples of two announce intervals), and if the announced view
 * has not changed for half an interval, runs the shared {@link RebalancePlan} on it and carries out its
 * own moves through the gateway. Every server plans on the same numbers at the same moment, so together
 * they make the plan's moves once; the next round comes two announce intervals later, when every move
 * of this one is announced. Loads come from the mesh core on {@link Addresses#MEMBERS_CHANGED}
 * ({@code {self, members:[{id, hostname, port, tlsPort, load}]}}).
 */
public final class BalancerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BalancerVerticle.class);
  /** A redirected client has logged in at its target this long after the REDIRECT (loopback or LAN). */
  private static final long ARRIVAL_MILLIS = 100;

  private final LoadTable table;
  private final long announceIntervalMillis;
  private final int gatewayInstances;
  /** The total load of the last round that planned moves (0: none did). */
  private int movedTotal;

  public BalancerVerticle(long announceIntervalMillis, int gatewayInstances) {
    this.announceIntervalMillis = announceIntervalMillis;
    this.gatewayInstances = gatewayInstances;
    // a member announces every interval, give or take the state's 50 ms tick and a busy event loop
    this.table = new LoadTable(ARRIVAL_MILLIS, 2 * announceIntervalMillis + ARRIVAL_MILLIS,
        announceIntervalMillis + ARRIVAL_MILLIS);
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>localConsumer(Addresses.MEMBERS_CHANGED, m -> onMembers(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.BALANCE_PICK, m -> m.reply(pick()));
    // another member's redirect: the client counts at its target until the target announces it
    vertx.eventBus().<String>localConsumer(Addresses.BALANCE_IN_TRANSIT,
        m -> table.sent(m.body(), 1, System.currentTimeMillis()));
    scheduleRound();
    return Future.succeededFuture();
  }

  private void onMembers(JsonObject body) {
    List<LoadTable.Server> live = new ArrayList<>();
    JsonArray members = body.getJsonArray("members", new JsonArray());
    tlsPorts.clear();
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      tlsPorts.put(m.getString("id"), m.getInteger("tlsPort", 0));
      live.add(new LoadTable.Server(m.getString("id"), m.getString("hostname"), m.getInteger("port"),
          m.getInteger("load", 0)));
    }
    table.update(body.getString("self"), live, System.currentTimeMillis());
    long begun = body.getLong("redirectsBegun", 0L);
    table.left((int) Math.max(0, begun - redirectsBegun));
    redirectsBegun = Math.max(redirectsBegun, begun);
  }

  /** How many redirects this server's state has begun (frozen), as last published. */
  private long redirectsBegun;
  /** Each member's TLS port (0 = none): a client on TLS is redirected there. */
  private final java.util.Map<String, Integer> tlsPorts = new java.util.HashMap<>();

  private JsonObject pick() {
    long now = System.currentTimeMillis();
    LoadTable.Server target = RedirectPolicy.pick(table, now);
    if (target == null) {
      return new JsonObject();
    }
    table.sent(target.id(), 1, now);
    table.leaving(now);
    return new JsonObject().put("hostname", target.hostname()).put("port", target.port())
        .put("tlsPort", tlsPorts.getOrDefault(target.id(), 0));
  }

  /** Rounds start at multiples of two announce intervals of the wall clock, the same instants on every server. */
  private void scheduleRound() {
    long period = 2 * announceIntervalMillis;
    long delay = period - System.currentTimeMillis() % period;
    vertx.setTimer(Math.max(1, delay), id -> {
      rebalance();
      scheduleRound();
    });
  }

  private void rebalance() {
    long now = System.currentTimeMillis();
    LoadTable.Server self = table.self();
    if (self == null || !table.unchangedFor(announceIntervalMillis / 2, now)) {
      return;
    }
    if (table.inMotion(now)) {
      // a login burst or the last round's moves are still arriving: the announced view every server
      // plans on does not show them yet (planned on it, a burst spread at once is moved again)
      return;
    }
    int total = table.servers().stream().mapToInt(LoadTable.Server::load).sum();
    if (total < movedTotal) {
      // clients moved in the last round are still on their way (not counted anywhere): every server
      // sees the same smaller total and waits one round with the others
      movedTotal = 0;
      return;
    }
    List<RebalancePlan.Move> plan = RebalancePlan.plan(table.servers());
    movedTotal = plan.isEmpty() ? 0 : total;
    for (RebalancePlan.Move move : plan) {
      if (move.from().id().equals(self.id())) {
        LOG.info("[{}] rebalancing: moving {} clients to {} (loads {})", self.id(), move.count(), move.to().id(),
            loads());
        table.sent(move.to().id(), move.count(), now);
        redirectThroughGateways(move.to(), move.count(), gatewayInstances, false);
      }
    }
  }

  /**
   * Asks gateway instances (one request each, round robin) until {@code count} clients moved: first
   * named sessions only (a move loses them nothing), then, if those were not enough, anonymous ones too.
   */
  private void redirectThroughGateways(LoadTable.Server to, int count, int triesLeft, boolean anonymous) {
    if (count <= 0) {
      return;
    }
    if (triesLeft <= 0) {
      if (!anonymous) {
        redirectThroughGateways(to, count, gatewayInstances, true);
      }
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.GATEWAY_REBALANCE, new JsonObject().put("count", count)
        .put("hostname", to.hostname()).put("port", to.port()).put("tlsPort", tlsPorts.getOrDefault(to.id(), 0))
        .put("anonymous", anonymous))
        .onSuccess(r -> {
          int moved = r.body().getInteger("moved", 0);
          redirectThroughGateways(to, count - moved, triesLeft - 1, anonymous);
        })
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
