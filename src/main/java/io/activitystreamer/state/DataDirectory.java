package io.activitystreamer.state;

import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.store.Store;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory as the state uses it: the state recovered from it at start, the join of a
 * server with recovered state (through an empty core, the recovered one kept aside and carried in
 * once the mesh's snapshot is installed, or used as it is if no member answers), the journal of every
 * applied event and the snapshots. With no store (memory only) it does nothing. Owned by
 * {@link StateVerticle} and called on the state's event loop; it logs as StateVerticle.
 *
 * @param <R> the adapter's handle of a request (see {@link ServerCore})
 */
final class DataDirectory<R> {
  private static final Logger LOG = LoggerFactory.getLogger(StateVerticle.class);
  /**
   * How long a server with recovered state tries its seed before it starts the mesh alone (long enough
   * for the servers of a mesh restarted together to find each other: two that started alone merge only
   * as after a partition).
   */
  private static final long RECOVERED_JOIN_WAIT_MILLIS = Long.getLong("streamer.recoveredJoinWaitMillis", 10_000);
  private static final long SNAPSHOT_MIN_EVENTS = Long.getLong("streamer.snapshotMinEvents", 10_000);

  private final String selfId;
  /** The data directory's store, or null (memory only). */
  private final Store store;
  /** What the store held at start, until the mesh starts (null: nothing, or after a rejoin). */
  private Store.Recovered recovered;
  /** While joining through -rh with recovered state: the recovered core, used if no member answers. */
  private ServerCore<R> recoveredCore;
  /** The recovered users and retained events, carried into the mesh once its snapshot is installed. */
  private JsonObject recoveredCarry;
  private long joinStartedAt;
  private long snapshotItems;

  DataDirectory(String selfId, Store store, Store.Recovered recovered) {
    this.selfId = selfId;
    this.store = store;
    this.recovered = recovered;
  }

  /** What the mesh's start line adds: {@code " with the state of <dir>"} with a store, else nothing. */
  String startedWith() {
    return store == null ? "" : " with the state of " + store.dir();
  }

  /** At start: replays what the store held into {@code core} (nothing goes out), then attaches the store. */
  void recover(ServerCore<R> core, Context context) {
    if (recovered != null && !recovered.empty()) {
      long t0 = System.nanoTime();
      core.loop().mute(true); // replaying the store: nothing goes out
      core.mesh().recover(recovered.snapshot(), recovered.journal());
      core.loop().mute(false);
      StateCore state = core.state();
      LOG.info("[{}] recovered from {} in {} ms: {} users, {} sessions, {} log entries ({} journal events replayed)",
          selfId, store.dir(), (System.nanoTime() - t0) / 1_000_000, state.userCount(), state.sessions().size(),
          state.logSize(), recovered.journal().size());
    } else {
      recovered = null;
    }
    if (store != null) {
      store.attach(context);
    }
  }

  /**
   * The mesh starts: the core that starts it, journalled here. {@code viaSeed} with recovered state: a
   * new empty core (from {@code newCore}, listening on {@code selfPort}) joins as any server would, and
   * {@code core} is kept aside; else {@code core} itself.
   */
  ServerCore<R> starting(ServerCore<R> core, boolean viaSeed, Supplier<ServerCore<R>> newCore, int selfPort,
                         long now) {
    ServerCore<R> start = core;
    if (recovered != null && viaSeed) {
      recoveredCore = core;
      recoveredCarry = core.carryOver(false);
      Set<String> origins = new HashSet<>(core.mesh().positions().keySet());
      start = newCore.get();
      start.mesh().recoveredOrigins(origins);
      start.listeningOn(selfPort);
      joinStartedAt = now;
    }
    recovered = null;
    journalTo(start);
    return start;
  }

  /** True when the join of recovered state has waited long enough for its seed: it starts alone now. */
  boolean givesUpJoin(long now) {
    return recoveredCore != null && now - joinStartedAt >= RECOVERED_JOIN_WAIT_MILLIS;
  }

  /**
   * Nobody answers ({@link #givesUpJoin}): the recovered core, listening where {@code joining} does,
   * journalled here, takes the joining one's place (the caller starts it alone and dials the seed).
   */
  ServerCore<R> takeRecovered(ServerCore<R> joining, String host, int port, long now) {
    ServerCore<R> core = recoveredCore;
    core.listeningOn(joining.selfPort());
    recoveredCore = null;
    recoveredCarry = null;
    journalTo(core);
    LOG.info("[{}] {}:{} did not answer for {} ms: started the mesh with the state of {}", selfId, host, port,
        now - joinStartedAt, store.dir());
    return core;
  }

  /**
   * Every event this core's mesh applies goes to the store; a join snapshot replaces what it holds (in
   * the same turn, the recovered state the mesh lacks is carried in after it, so none is lost between).
   */
  private void journalTo(ServerCore<R> core) {
    if (store == null) {
      return;
    }
    MeshCore mesh = core.mesh();
    mesh.journal(new MeshCore.Journal() {
      @Override
      public void applied(Event e) {
        store.append(e);
      }

      @Override
      public void installed() {
        store.snapshot(mesh.snapshot());
        if (recoveredCarry != null) {
          JsonObject carry = recoveredCarry;
          recoveredCarry = null;
          recoveredCore = null;
          core.adopt(carry);
        }
      }
    });
  }

  /** After a state tick: a snapshot once the journal holds more events than the state has items (amortised O(1)). */
  void maybeSnapshot(MeshCore mesh) {
    if (store != null && mesh.joined() && !store.snapshotting()
        && store.journalRows() >= Math.max(SNAPSHOT_MIN_EVENTS, snapshotItems)) {
      JsonObject snap = mesh.snapshot();
      JsonObject st = snap.getJsonObject(Fields.STATE);
      snapshotItems = st.getJsonArray(Fields.USERS).size() + st.getJsonArray(Fields.SESSIONS).size()
          + st.getJsonObject(Fields.LOG).getJsonArray(Fields.ENTRIES).size()
          + snap.getJsonArray(Fields.RETAINED).size();
      store.snapshot(snap);
    }
  }

  /** Why a registration could not be kept (the store's last write failed), or null. */
  String unwritable() {
    return store == null || store.lastFailure() == null ? null
        : "the data directory cannot be written (" + store.lastFailure().getMessage() + ")";
  }

  /** What covers every event applied so far once complete; null without a store (at once). */
  Future<Void> durable() {
    return store == null ? null : store.durable();
  }

  /** The store's counters for /api/mesh, or null. */
  JsonObject info() {
    return store == null ? null : store.info();
  }
}
