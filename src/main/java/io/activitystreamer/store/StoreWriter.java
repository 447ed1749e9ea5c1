package io.activitystreamer.store;

import io.activitystreamer.replication.Event;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store thread: writes one batch (events, and a snapshot before them) as one transaction, or one per
 * event with durability {@code always}; a failed one is rolled back and the connection opened afresh.
 * After a snapshot it checkpoints the WAL and gives the freed pages back a few with each later commit.
 */
final class StoreWriter {
  private static final Logger LOG = LoggerFactory.getLogger(Store.class); // (the store's log lines)
  /** Pages given back per commit. */
  private static final int VACUUM_STEP = 256;

  private final DataDir data;
  private final boolean eventPerTransaction;
  private final StoreStats stats;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "store-writer");
    t.setDaemon(true);
    return t;
  });

  // ---- the store thread's ----
  private PreparedStatement insertEvent;
  /** Free pages still to give back (see {@link #compact}). */
  private long vacuumOwed;

  StoreWriter(DataDir data, String durability, StoreStats stats) {
    this.data = data;
    this.eventPerTransaction = Store.ALWAYS.equals(durability);
    this.stats = stats;
  }

  /** Writes {@code batch} (after {@code snap}, if not null) on the store thread, then {@code then} the failure or null. */
  void submit(List<Event> batch, JsonObject snap, Consumer<Throwable> then) {
    thread.execute(() -> {
      Throwable failure = null;
      long t0 = System.nanoTime();
      try {
        write(batch, snap);
      } catch (Throwable t) {
        failure = t;
      }
      stats.committed(System.nanoTime() - t0);
      then.accept(failure);
    });
  }

  private void write(List<Event> batch, JsonObject snap) throws SQLException {
    Connection db = data.connection();
    try {
      if (insertEvent == null) {
        insertEvent = db.prepareStatement("INSERT INTO journal (event) VALUES (?)");
      }
      if (snap != null) {
        SnapshotTable.write(db, snap);
      }
      for (Event e : batch) {
        insertEvent.setString(1, e.toJson().encode());
        insertEvent.executeUpdate();
        if (eventPerTransaction) {
          db.commit(); // one transaction (one fsync) per event
        }
      }
      if (vacuumOwed > 0 && snap == null) {
        try (Statement st = db.createStatement()) {
          st.executeUpdate("PRAGMA incremental_vacuum(" + VACUUM_STEP + ")"); // executeUpdate: stepped to the end
        }
        vacuumOwed -= VACUUM_STEP;
      }
      db.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        db.rollback();
      } catch (SQLException ignored) {
        // the connection reports the first failure
      }
      // after SQLITE_FULL or an I/O error SQLite may have rolled back on its own, and the driver's idea of
      // the transaction no longer holds: the next attempt starts on a fresh connection
      DataDir.closeQuietly(insertEvent);
      insertEvent = null;
      try {
        data.reconnect();
      } catch (SQLException again) {
        e.addSuppressed(again); // (still failing: the retry reconnects again)
      }
      throw e;
    }
    if (snap != null) {
      stats.snapshotWritten();
      compact(db);
    }
  }

  /**
   * After a snapshot: the WAL is checkpointed (and truncated); when more than half of the file is free
   * pages (the deleted journal), all but a quarter of the file are owed back to the file system, a few
   * pages with each later commit (giving them back at once would hold up commits for seconds).
   */
  private void compact(Connection db) {
    try (Statement st = db.createStatement()) {
      long pages;
      long free;
      try (ResultSet rs = st.executeQuery("PRAGMA page_count")) {
        pages = rs.next() ? rs.getLong(1) : 0;
      }
      try (ResultSet rs = st.executeQuery("PRAGMA freelist_count")) {
        free = rs.next() ? rs.getLong(1) : 0;
      }
      db.commit();
      vacuumOwed = free > pages / 2 ? free - pages / 4 : 0;
      db.setAutoCommit(true);
      try {
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      } finally {
        db.setAutoCommit(false);
      }
    } catch (SQLException e) {
      LOG.warn("store {}: checkpoint after the snapshot failed (the next one retries): {}", data.dir(), e.toString());
    }
  }

  /** Lets the write under way (and those queued) finish, for up to 10 s. */
  void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
