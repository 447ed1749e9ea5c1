package io.activitystreamer.store;

import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.replication.Event;
import io.activitystreamer.state.StateCore;
import io.activitystreamer.state.StateOptions;
import io.activitystreamer.state.UserRecord;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Measurement utility (docs/durability.md): writes a data directory directly through {@link Store} as a
 * server of name {@code gen:1} would have: {@code USERS} registrations, one detached session owed
 * everything, then {@code ACTIVITIES} activities; with {@code snapshot}, then rebuilds the cores from it
 * and writes their snapshot (the journal is deleted). Prints the bytes on disk.
 *
 * <pre>java -cp target/activitystreamer.jar:target/test-classes io.activitystreamer.store.StoreGenerator DIR SECRET USERS ACTIVITIES [snapshot]</pre>
 */
public final class StoreGenerator {
  private StoreGenerator() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String secret = args[1];
    int users = Integer.parseInt(args[2]);
    int activities = Integer.parseInt(args[3]);
    boolean snapshot = args.length > 4 && args[4].equals("snapshot");
    Vertx vertx = Vertx.vertx();
    Context ctx = vertx.getOrCreateContext();
    Store store = Store.open(dir, secret, "off");
    String origin = "gen:1#old";
    long[] seq = {0};
    long t0 = System.nanoTime();
    onContext(ctx, () -> store.attach(ctx));
    List<Event> chunk = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      UserRecord u = new UserRecord("user" + i, "c2FsdHNhbHRzYWx0c2FsdA==", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=",
          20000, 1_700_000_000_000L + i, origin);
      chunk.add(new Event(origin, ++seq[0], Event.Type.USER_REGISTERED, u.toJson()));
      flushIfFull(ctx, store, chunk, false);
    }
    String session = origin + "/1";
    chunk.add(new Event(origin, ++seq[0], Event.Type.SESSION_OPENED, new JsonObject().put("id", session)
        .put("username", "user0").put("start", new JsonObject()).put("at", 1_700_000_000_000L)));
    chunk.add(new Event(origin, ++seq[0], Event.Type.SESSION_DETACHED, new JsonObject().put("id", session)
        .put("delivered", new JsonObject()).put("v", 1)));
    for (int n = 1; n <= activities; n++) {
      String user = "user" + (n % Math.max(1, users));
      JsonObject activity = new JsonObject().put("text", "activity number " + n + " of the generator")
          .put("authenticated_user", user);
      chunk.add(new Event(origin, ++seq[0], Event.Type.ACTIVITY, new JsonObject().put("session", origin + "/9")
          .put("user", user).put("sseq", -1L).put("aseq", (long) n).put("at", 1_700_000_000_000L + n)
          .put("activity", activity)));
      flushIfFull(ctx, store, chunk, false);
    }
    flushIfFull(ctx, store, chunk, true);
    System.out.printf("journal: %d events in %.1f s, %d bytes on disk%n", seq[0], (System.nanoTime() - t0) / 1e9,
        store.sizeBytes());
    if (snapshot) {
      long t1 = System.nanoTime();
      Store.Recovered r = store.load();
      StateCore state = new StateCore("gen:2#new", new StateOptions(Integer.MAX_VALUE, Integer.MAX_VALUE, 2000, 250),
          new RecoveryTestOutbox());
      MeshCore mesh = new MeshCore("gen:2#new", "gen:2", "localhost", 1, new MeshOptions(5000, 5000, 250, 1250), state,
          new RecoveryTestOutbox());
      mesh.recover(r.snapshot(), r.journal());
      mesh.startAlone();
      mesh.tick(System.currentTimeMillis()); // a server alone retains nothing for peers (as a running one would)
      JsonObject snap = mesh.snapshot();
      CompletableFuture<Void> done = new CompletableFuture<>();
      ctx.runOnContext(v -> {
        store.snapshot(snap);
        store.durable().onComplete(ar -> done.complete(null));
      });
      done.get(600, TimeUnit.SECONDS);
      System.out.printf("snapshot: %d users, %d log entries in %.1f s, %d bytes on disk%n", state.userCount(),
          state.logSize(), (System.nanoTime() - t1) / 1e9, store.sizeBytes());
    }
    store.close();
    long files = 0;
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        files += Files.size(p);
      }
    }
    System.out.println("directory bytes after close: " + files);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static void flushIfFull(Context ctx, Store store, List<Event> chunk, boolean always) throws Exception {
    if (chunk.size() < 10_000 && !(always && !chunk.isEmpty())) {
      return;
    }
    List<Event> batch = new ArrayList<>(chunk);
    chunk.clear();
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      batch.forEach(store::append);
      store.durable().onComplete(ar -> done.complete(null));
    });
    done.get(600, TimeUnit.SECONDS);
  }

  private static void onContext(Context ctx, Runnable r) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      r.run();
      done.complete(null);
    });
    done.get(30, TimeUnit.SECONDS);
  }

  /** Nothing goes anywhere: the cores are only rebuilt to take their snapshot. */
  private static final class RecoveryTestOutbox implements io.activitystreamer.state.StateOutbox,
      io.activitystreamer.mesh.MeshOutbox {
    @Override public void deliver(io.activitystreamer.bus.Delivery delivery) { }
    @Override public void replicate(Event event) { }
    @Override public void kick(String sessionId) { }
    @Override public void send(String linkId, io.vertx.core.buffer.Buffer line) { }
    @Override public void connect(String hostname, int port, boolean join) { }
    @Override public void closeLink(String linkId, io.vertx.core.buffer.Buffer lastLine) { }
    @Override public void membersChanged() { }
    @Override public void inTransit(String target) { }
    @Override public void rejoin(String hostname, int port) { }
  }
}
