package io.activitystreamer.store;

import io.activitystreamer.replication.Event;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's durable state in one SQLite database ({@code state.db}, WAL mode) in its data directory:
 * a journal of every applied {@link Event} (the same JSON as on the mesh) and a snapshot (the join
 * snapshot the mesh builds), after which the journal rows it covers are deleted. Recovery: the snapshot,
 * then the journal replayed through the production cores (see {@code MeshCore.recover}).
 *
 * <p>Threads: {@link #append}, {@link #snapshot} and {@link #durable} are called on one Vert.x context
 * (the state verticle's, see {@link #attach}); every write runs on the store's own single thread, one
 * transaction per batch (group commit: appends gathered while the previous commit runs go into the next
 * one); {@link #durable} completes on the attached context once everything appended so far is committed.
 * {@code durability}: {@code off} (synchronous=OFF), {@code batch} (synchronous=FULL, one fsync per
 * batch), {@code always} (synchronous=FULL, one transaction and fsync per event). See docs/durability.md.
 *
 * <p>The facade of the package: {@link DataDir} opens the directory, {@link StoreWriter} is the store
 * thread, {@link SnapshotTable} stores snapshots in parts, {@link StoreStats} counts; this class batches
 * the appends of the attached context into commits and releases what waits for them.
 */
public final class Store implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Store.class);
  /** The durability modes that differ from {@code batch}. */
  static final String OFF = "off";
  static final String ALWAYS = "always";

  private final DataDir data;
  private final String durability;
  private final StoreStats stats = new StoreStats();
  private final StoreWriter writer;

  // ---- owned by the attached context ----
  private volatile Context context;
  /** Shared with the gateways: set while commits fail. */
  private StoreHealth health;
  private boolean snapshotInFlight;
  private List<Event> pending = new ArrayList<>();
  private JsonObject pendingSnapshot;
  private Promise<Void> next;
  private Promise<Void> inFlight;
  private boolean commitScheduled;
  private long journalRows;
  private Throwable lastFailure;
  private long failedRetries;

  private Store(DataDir data, String durability) {
    this.data = data;
    this.durability = durability;
    this.journalRows = data.journalRowsAtOpen();
    this.writer = new StoreWriter(data, durability, stats);
  }

  /** Refusal to open a data directory; the message names it and says what to do. */
  public static final class StoreException extends Exception {
    public StoreException(String message) {
      super(message);
    }
  }

  /** What the directory held: the last snapshot (null if none) and the journal after it, oldest first. */
  public record Recovered(JsonObject snapshot, List<Event> journal) {
    public boolean empty() {
      return snapshot == null && journal.isEmpty();
    }
  }

  /**
   * Opens (creating) the data directory: takes its lock, checks the database and that it was written by
   * a mesh with this {@code secret} (an HMAC of it is kept, never the secret).
   */
  public static Store open(Path dir, String secret, String durability) throws StoreException {
    return new Store(DataDir.open(dir, secret, durability), durability);
  }

  /** Reads the snapshot and the journal after it (on the caller's thread, before {@link #attach}). */
  public Recovered load() throws StoreException {
    try {
      Connection db = data.connection();
      JsonObject snapshot;
      List<Event> journal = new ArrayList<>();
      try (Statement st = db.createStatement()) {
        snapshot = SnapshotTable.read(st);
        try (ResultSet rs = st.executeQuery("SELECT event FROM journal ORDER BY id")) {
          while (rs.next()) {
            journal.add(Event.fromJson(new JsonObject(rs.getString(1))));
          }
        }
      }
      db.commit();
      return new Recovered(snapshot, journal);
    } catch (SQLException | RuntimeException e) {
      throw new StoreException("database " + data.dir().resolve(DataDir.DB_FILE) + " is damaged (" + e + "): the "
          + "server does not start on it. Move it away (with its -wal and -shm files) to start empty and rejoin the "
          + "mesh, or restore a backup");
    }
  }

  // ---- the attached context's side ----

  /** The context on which appends are made and {@link #durable} futures complete (the state verticle's). */
  public void attach(Context context) {
    this.context = context;
    this.health = StoreHealth.of(context.owner());
  }

  /** An event applied here: committed with the next batch. */
  public void append(Event e) {
    pending.add(e);
    scheduleCommit();
  }

  /**
   * A snapshot of everything applied so far (the mesh's join snapshot, handed over: not used by the
   * caller afterwards): written with the next commit, which deletes the journal before it (the events
   * appended so far are in it).
   */
  public void snapshot(JsonObject meshSnapshot) {
    pending.clear();
    pendingSnapshot = meshSnapshot;
    scheduleCommit();
  }

  /** Completes (on the attached context) once everything appended so far is committed; fails if it cannot be. */
  public Future<Void> durable() {
    if (!pending.isEmpty() || pendingSnapshot != null) {
      if (next == null) {
        next = Promise.promise();
      }
      return next.future();
    }
    return inFlight != null ? inFlight.future() : Future.succeededFuture();
  }

  /** True when nothing appended is waiting for its commit (outputs may go at once). */
  public boolean settled() {
    return pending.isEmpty() && pendingSnapshot == null && inFlight == null;
  }

  /** True while a snapshot waits for its commit or is being written (another one is not worth building). */
  public boolean snapshotting() {
    return pendingSnapshot != null || snapshotInFlight;
  }

  /** Journal rows since the last snapshot (what a recovery would replay). */
  public long journalRows() {
    return journalRows + pending.size();
  }

  private void scheduleCommit() {
    if (inFlight != null || commitScheduled) {
      return;
    }
    commitScheduled = true;
    // at the end of this turn of the loop: everything applied in it goes into one transaction
    context.runOnContext(v -> startCommit());
  }

  private void startCommit() {
    commitScheduled = false;
    if (inFlight != null || pending.isEmpty() && pendingSnapshot == null) {
      return;
    }
    List<Event> batch = pending;
    JsonObject snap = pendingSnapshot;
    pending = new ArrayList<>();
    pendingSnapshot = null;
    Promise<Void> done = next != null ? next : Promise.promise();
    next = null;
    inFlight = done;
    snapshotInFlight = snap != null;
    submit(batch, snap, done);
  }

  private void submit(List<Event> batch, JsonObject snap, Promise<Void> done) {
    writer.submit(batch, snap, failure -> context.runOnContext(v -> committed(batch, snap, done, failure)));
  }

  private void committed(List<Event> batch, JsonObject snap, Promise<Void> done, Throwable failure) {
    if (failure != null) {
      // nothing of this batch is on disk: the same batch is written again (a full disk: once space
      // returns), before any later one, so what waits for it is released in order; it keeps waiting
      if (lastFailure == null || ++failedRetries % 50 == 0) {
        LOG.error("store {}: commit failed, retrying every 100 ms: {}", data.dir(), failure.toString());
      }
      lastFailure = failure;
      health.failure(String.valueOf(failure.getMessage()));
      context.owner().setTimer(100, id -> submit(batch, snap, done)); // (called on the context: fires there)
      return;
    }
    inFlight = null;
    snapshotInFlight = false;
    journalRows = snap != null ? batch.size() : journalRows + batch.size();
    if (lastFailure != null) {
      LOG.info("store {}: writes succeed again", data.dir());
      lastFailure = null;
      health.failure(null);
    }
    done.complete();
    if (!pending.isEmpty() || pendingSnapshot != null) {
      startCommit(); // what arrived during this commit goes at once, as one batch
    }
  }

  /** The last commit failure, or null when writes succeed. */
  public Throwable lastFailure() {
    return lastFailure;
  }

  // ---- metrics ----

  /** Bytes on disk: the database and its WAL. */
  public long sizeBytes() {
    return data.sizeBytes();
  }

  public Path dir() {
    return data.dir();
  }

  /** For /api/mesh and /metrics (names: {@link StoreStats}). */
  public JsonObject info() {
    return stats.info(data.dir(), durability, sizeBytes(), journalRows(), lastFailure != null);
  }

  @Override
  public void close() {
    writer.close();
    data.close();
  }
}
