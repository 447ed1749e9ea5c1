package io.activitystreamer.balance;

import io.activitystreamer.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Asks the BalancerVerticle where a client that just logged in should go (null: stay). */
public final class BalancerClient {
  private final Vertx vertx;

  public BalancerClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A REDIRECT body ({hostname, port}) or null. Never fails: a balancer that does not answer means stay. */
  public Future<JsonObject> pick() {
    return vertx.eventBus().<JsonObject>request(Addresses.BALANCE_PICK, new JsonObject())
        .map(m -> m.body() == null || m.body().isEmpty() ? null : m.body())
        .otherwise((JsonObject) null);
  }
}
