package io.activitystreamer.balance;

import io.activitystreamer.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers "where should this client go" after each LOGIN_SUCCESS, from the loads the mesh core publishes
 * on {@link Addresses#MEMBERS_CHANGED} ({@code {self, members:[{id, hostname, port, load}]}}). Counts its
 * own redirects into the table at once, so a burst of logins is spread rather than all sent to one server.
 */
public final class BalancerVerticle extends VerticleBase {
  private final LoadTable table = new LoadTable();

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>localConsumer(Addresses.MEMBERS_CHANGED, m -> onMembers(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.BALANCE_PICK, m -> m.reply(pick()));
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
    List<LoadTable.Server> updated = new ArrayList<>();
    for (LoadTable.Server s : table.servers()) {
      int delta = s.id().equals(target.id()) ? 1 : s == table.self() ? -1 : 0;
      updated.add(new LoadTable.Server(s.id(), s.hostname(), s.port(), s.load() + delta));
    }
    table.replace(table.self().id(), updated);
    return new JsonObject().put("hostname", target.hostname()).put("port", target.port());
  }
}
