package io.activitystreamer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.mesh.MeshOutbox;
import io.activitystreamer.replication.Event;
import io.activitystreamer.state.StateCore;
import io.activitystreamer.state.StateOptions;
import io.activitystreamer.state.StateOutbox;
import io.activitystreamer.testing.InMemoryMesh;
import io.activitystreamer.testing.InMemoryMesh.Node;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pure recovery: a server of an in-memory mesh journals what it applies to a {@link Store} (with a
 * snapshot half-way); a core rebuilt from what the store holds, through {@link MeshCore#recover}, holds
 * the same users, sessions, log, positions and progress as the one that wrote it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecoveryTest {
  private Vertx vertx;
  private Context context;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private <T> T onContext(Callable<T> body) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        f.complete(body.call());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aCoreRebuiltFromTheStoreEqualsTheOneThatWroteIt() throws Exception {
    for (boolean midSnapshot : new boolean[] {false, true}) {
      Path dir = DurabilityProcessTest.freshDir("recovery");
      Store store = Store.open(dir, "s", "batch");
      InMemoryMesh net = InMemoryMesh.standard(7);
      JsonObject written = onContext(() -> {
        store.attach(context);
        Node a = net.start("a");
        a.mesh.journal(new MeshCore.Journal() {
          @Override
          public void applied(Event e) {
            store.append(e);
          }

          @Override
          public void installed() {
            store.snapshot(a.mesh.snapshot());
          }
        });
        Node b = net.join("b", a);
        net.runUntil(net::converged, 3000, "b joined");
        traffic(net, a, b, 0);
        if (midSnapshot) {
          store.snapshot(a.mesh.snapshot());
        }
        traffic(net, a, b, 1);
        a.state.tick(net.now()); // prune the log as a recovered core does at its first tick
        return a.mesh.snapshot();
      });
      onContext(store::durable).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      store.close();

      Store reopened = Store.open(dir, "s", "batch");
      Store.Recovered r = reopened.load();
      reopened.close();
      assertEquals(midSnapshot, r.snapshot() != null, "a snapshot was written: " + midSnapshot);
      StateCore state = new StateCore("r", new StateOptions(1000, 3_600_000, 200, 100), new NoOutbox());
      MeshCore mesh = new MeshCore("r", "r", "h", 1, new MeshOptions(100, 1000, 100, 250), state, new NoOutbox());
      mesh.recover(r.snapshot(), r.journal());
      state.tick(net.now());
      JsonObject rebuilt = mesh.snapshot();
      assertEquals(normal(written.getJsonObject("state")), normal(rebuilt.getJsonObject("state")),
          "the state (midSnapshot " + midSnapshot + ")");
      assertEquals(written.getJsonObject("positions"), rebuilt.getJsonObject("positions"), "positions");
      JsonArray retained = rebuilt.getJsonArray("retained");
      for (Object e : written.getJsonArray("retained")) {
        assertTrue(retained.contains(e), "retained " + e);
      }
      assertTrue(state.userCount() >= 6 && state.logSize() > 0, "something was recovered");
    }
  }

  /** Users, sessions and sessions opened on both servers; activities; a detach; a logout; a late user. */
  private static void traffic(InMemoryMesh net, Node a, Node b, int round) {
    List<LoginResult> sessions = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Node n = i % 2 == 0 ? a : b;
      String user = "u" + round + "-" + i;
      var ok = n.register(user);
      net.runUntil(() -> ok.get() != null, 2000, "register " + user);
      net.runUntil(() -> a.state.user(user) != null && b.state.user(user) != null, 2000, user + " everywhere");
      sessions.add(n.login(user));
    }
    for (int k = 0; k < 5; k++) {
      for (int i = 0; i < 3; i++) {
        Node n = i % 2 == 0 ? a : b;
        String user = "u" + round + "-" + i;
        n.send(sessions.get(i), user, new JsonObject().put("n", k).put("authenticated_user", user));
      }
    }
    net.run(300);
    b.detach(sessions.get(1).sessionId());
    a.state.logout(sessions.get(2).sessionId());
    for (int k = 5; k < 8; k++) {
      a.send(sessions.get(0), "u" + round + "-0", new JsonObject().put("n", k).put("authenticated_user", "u" + round + "-0"));
    }
    net.run(500);
  }

  /** Users, sessions and closed ids in a fixed order (maps iterate in any order); the log as it is. */
  private static JsonObject normal(JsonObject state) {
    JsonObject s = state.copy();
    s.put("users", sorted(s.getJsonArray("users"), j -> ((JsonObject) j).getString("username")));
    s.put("sessions", sorted(s.getJsonArray("sessions"), j -> ((JsonObject) j).getString("id")));
    s.put("closed", sorted(s.getJsonArray("closed"), j -> (String) j));
    return s;
  }

  private static JsonArray sorted(JsonArray a, java.util.function.Function<Object, String> key) {
    List<Object> items = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      items.add(a.getValue(i));
    }
    items.sort(Comparator.comparing(key));
    return new JsonArray(items);
  }

  private static final class NoOutbox implements StateOutbox, MeshOutbox {
    @Override public void deliver(Delivery delivery) { }
    @Override public void replicate(Event event) { }
    @Override public void kick(String sessionId) { }
    @Override public void send(String linkId, Buffer line) { }
    @Override public void connect(String hostname, int port, boolean join) { }
    @Override public void closeLink(String linkId, Buffer lastLine) { }
    @Override public void membersChanged() { }
    @Override public void inTransit(String target) { }
    @Override public void rejoin(String hostname, int port) { }
  }
}
