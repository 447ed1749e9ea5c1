package io.activitystreamer.store;

import io.activitystreamer.replication.Event;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
 */
public final class Store implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Store.class);
  static final String DB_FILE = "state.db";
  static final String LOCK_FILE = "lock";
  /** Arrays of the snapshot are stored in parts of this many items (no single huge row). */
  static final int PART_ITEMS = 5000;
  private static final String FORMAT = "1";

  private final Path dir;
  private final String durability;
  private Connection db;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ExecutorService writer;

  // ---- owned by the attached context ----
  private volatile Context context;
  private boolean snapshotInFlight;
  private List<Event> pending = new ArrayList<>();
  private JsonObject pendingSnapshot;
  private Promise<Void> next;
  private Promise<Void> inFlight;
  private boolean commitScheduled;
  private long journalRows;
  private Throwable lastFailure;
  private long failedRetries;

  // ---- written by the store thread, read anywhere ----
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong commitNanosTotal = new AtomicLong();
  private volatile long commitNanosMax;
  private volatile long commitNanosLast;
  private volatile long snapshots;

  private Store(Path dir, String durability, Connection db, FileChannel lockChannel, FileLock lock, long journalRows) {
    this.dir = dir;
    this.durability = durability;
    this.db = db;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.journalRows = journalRows;
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "store-writer");
      t.setDaemon(true);
      return t;
    });
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
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StoreException("data directory " + dir + " cannot be created (" + e + "); give a writable -d DIR");
    }
    if (!Files.isWritable(dir)) {
      throw new StoreException("data directory " + dir + " is not writable; give a writable -d DIR");
    }
    FileChannel ch;
    FileLock lock;
    try {
      ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException("data directory " + dir + " is not writable (" + e + "); give a writable -d DIR");
    }
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException | IOException e) {
      lock = null;
    }
    if (lock == null) {
      closeQuietly(ch);
      throw new StoreException("data directory " + dir + " is in use by another running server (it holds "
          + dir.resolve(LOCK_FILE) + "); stop that server or give this one another -d DIR");
    }
    Connection db = null;
    Path file = dir.resolve(DB_FILE);
    try {
      db = connect(file, durability);
      try (Statement st = db.createStatement()) {
        try (ResultSet rs = st.executeQuery("PRAGMA quick_check(3)")) {
          List<String> verdict = new ArrayList<>();
          while (rs.next()) {
            verdict.add(rs.getString(1).replaceAll("\\s+", " ").trim());
          }
          if (!verdict.equals(List.of("ok"))) {
            throw new SQLException("quick_check: " + String.join("; ", verdict));
          }
        }
        st.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
        st.execute("CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, event TEXT NOT NULL)");
        st.execute("CREATE TABLE IF NOT EXISTS snapshot (part INTEGER PRIMARY KEY, data TEXT NOT NULL)");
      }
      db.setAutoCommit(false);
      checkMeta(db, dir, secret);
      db.commit();
      long rows;
      try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM journal")) {
        rows = rs.next() ? rs.getLong(1) : 0;
      }
      db.commit();
      return new Store(dir, durability, db, ch, lock, rows);
    } catch (SQLException e) {
      closeQuietly(db);
      release(lock, ch);
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s+", " ").trim();
      if (msg.contains("readonly") || msg.contains("unable to open")) {
        throw new StoreException("data directory " + dir + " is not writable (" + msg + "); give a writable -d DIR");
      }
      throw new StoreException("database " + file + " is damaged (" + msg + "): the server does not start on it. "
          + "Move it away (with its -wal and -shm files) to start empty and rejoin the mesh, or restore a backup");
    } catch (StoreException e) {
      closeQuietly(db);
      release(lock, ch);
      throw e;
    }
  }

  private static Connection connect(Path file, String durability) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement st = db.createStatement()) {
      st.execute("PRAGMA auto_vacuum=INCREMENTAL"); // takes effect on a new database only
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=" + ("off".equals(durability) ? "OFF" : "FULL"));
    } catch (SQLException e) {
      closeQuietly(db);
      throw e;
    }
    return db;
  }

  private static void checkMeta(Connection db, Path dir, String secret) throws SQLException, StoreException {
    String mac = secretMac(secret);
    String stored = null;
    try (PreparedStatement q = db.prepareStatement("SELECT v FROM meta WHERE k = 'secret_hmac'");
         ResultSet rs = q.executeQuery()) {
      if (rs.next()) {
        stored = rs.getString(1);
      }
    }
    if (stored == null) {
      try (PreparedStatement ins = db.prepareStatement("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)")) {
        ins.setString(1, "secret_hmac");
        ins.setString(2, mac);
        ins.executeUpdate();
        ins.setString(1, "format");
        ins.setString(2, FORMAT);
        ins.executeUpdate();
      }
    } else if (!stored.equals(mac)) {
      db.rollback();
      throw new StoreException("data directory " + dir + " was written by a mesh with another secret: start with "
          + "that mesh's -s SECRET, or give this server another -d DIR");
    }
  }

  /** HMAC-SHA256 keyed by the mesh secret over a fixed label: tells secrets apart, reveals none. */
  static String secretMac(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal("activitystreamer data directory".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Reads the snapshot and the journal after it (on the caller's thread, before {@link #attach}). */
  public Recovered load() throws StoreException {
    try {
      JsonObject snapshot = null;
      List<Event> journal = new ArrayList<>();
      try (Statement st = db.createStatement()) {
        try (ResultSet rs = st.executeQuery("SELECT part, data FROM snapshot ORDER BY part")) {
          while (rs.next()) {
            JsonObject part = new JsonObject(rs.getString(2));
            if (rs.getLong(1) == 0) {
              snapshot = part;
            } else if (snapshot != null) {
              snapshot.getJsonObject(part.getString("in")).getJsonArray(part.getString("key"))
                  .addAll(part.getJsonArray("items"));
            }
          }
        }
        try (ResultSet rs = st.executeQuery("SELECT event FROM journal ORDER BY id")) {
          while (rs.next()) {
            journal.add(Event.fromJson(new JsonObject(rs.getString(1))));
          }
        }
      }
      db.commit();
      if (snapshot != null) {
        snapshot = unwrap(snapshot);
      }
      return new Recovered(snapshot, journal);
    } catch (SQLException | RuntimeException e) {
      throw new StoreException("database " + dir.resolve(DB_FILE) + " is damaged (" + e + "): the "
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

  /** Shared with the gateways: set while commits fail. */
  private StoreHealth health;

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
    writer.execute(() -> {
      Throwable failure = null;
      long t0 = System.nanoTime();
      try {
        write(batch, snap);
      } catch (Throwable t) {
        failure = t;
      }
      long took = System.nanoTime() - t0;
      commits.incrementAndGet();
      commitNanosTotal.addAndGet(took);
      commitNanosLast = took;
      if (took > commitNanosMax) {
        commitNanosMax = took;
      }
      Throwable f = failure;
      context.runOnContext(v -> committed(batch, snap, done, f));
    });
  }

  private void committed(List<Event> batch, JsonObject snap, Promise<Void> done, Throwable failure) {
    if (failure != null) {
      // nothing of this batch is on disk: the same batch is written again (a full disk: once space
      // returns), before any later one, so what waits for it is released in order; it keeps waiting
      if (lastFailure == null || ++failedRetries % 50 == 0) {
        LOG.error("store {}: commit failed, retrying every 100 ms: {}", dir, failure.toString());
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
      LOG.info("store {}: writes succeed again", dir);
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

  // ---- the store thread ----

  private PreparedStatement insertEvent;

  private void write(List<Event> batch, JsonObject snap) throws SQLException {
    try {
      if (insertEvent == null) {
        insertEvent = db.prepareStatement("INSERT INTO journal (event) VALUES (?)");
      }
      if (snap != null) {
        writeSnapshot(snap);
      }
      for (Event e : batch) {
        insertEvent.setString(1, e.toJson().encode());
        insertEvent.executeUpdate();
        if ("always".equals(durability)) {
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
      closeQuietly(insertEvent);
      insertEvent = null;
      closeQuietly(db);
      try {
        db = connect(dir.resolve(DB_FILE), durability);
        db.setAutoCommit(false);
      } catch (SQLException again) {
        e.addSuppressed(again); // (still failing: the retry reconnects again)
      }
      throw e;
    }
    if (snap != null) {
      snapshots++;
      compact();
    }
  }

  private void writeSnapshot(JsonObject snap) throws SQLException {
    try (Statement st = db.createStatement()) {
      st.executeUpdate("DELETE FROM journal");
      st.executeUpdate("DELETE FROM snapshot");
    }
    JsonObject head = wrap(snap);
    List<JsonObject> parts = new ArrayList<>();
    split(head, "state", "users", parts);
    split(head, "state", "sessions", parts);
    split(head, "log", "entries", parts);
    split(head, "mesh", "retained", parts);
    try (PreparedStatement ins = db.prepareStatement("INSERT INTO snapshot (part, data) VALUES (?, ?)")) {
      ins.setLong(1, 0);
      ins.setString(2, head.encode());
      ins.executeUpdate();
      for (int i = 0; i < parts.size(); i++) {
        ins.setLong(1, i + 1);
        ins.setString(2, parts.get(i).encode());
        ins.executeUpdate();
      }
    }
  }

  /**
   * The mesh snapshot {state: {users, sessions, log: {entries, pruned}, ...}, positions, retained} with its
   * four big arrays one level down, so each can be split into parts: {state, log, mesh: {retained, ...}}.
   */
  private static JsonObject wrap(JsonObject snap) {
    JsonObject state = snap.getJsonObject("state");
    JsonObject log = state.getJsonObject("log");
    state.remove("log");
    JsonObject mesh = new JsonObject();
    snap.forEach(e -> {
      if (!e.getKey().equals("state")) {
        mesh.put(e.getKey(), e.getValue());
      }
    });
    return new JsonObject().put("state", state).put("log", log).put("mesh", mesh);
  }

  private static JsonObject unwrap(JsonObject head) {
    JsonObject state = head.getJsonObject("state").put("log", head.getJsonObject("log"));
    return head.getJsonObject("mesh").put("state", state);
  }

  /** Moves the items of head[in][key] beyond the first part into parts of {@link #PART_ITEMS}. */
  private static void split(JsonObject head, String in, String key, List<JsonObject> parts) {
    JsonArray all = head.getJsonObject(in).getJsonArray(key, new JsonArray());
    head.getJsonObject(in).put(key, new JsonArray());
    for (int i = 0; i < all.size(); i += PART_ITEMS) {
      JsonArray items = new JsonArray(new ArrayList<>(all.getList().subList(i, Math.min(all.size(), i + PART_ITEMS))));
      parts.add(new JsonObject().put("in", in).put("key", key).put("items", items));
    }
  }

  /**
   * After a snapshot: the WAL is checkpointed (and truncated); when more than half of the file is free
   * pages (the deleted journal), all but a quarter of the file are owed back to the file system, a few
   * pages with each later commit (giving them back at once would hold up commits for seconds).
   */
  private void compact() {
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
      LOG.warn("store {}: checkpoint after the snapshot failed (the next one retries): {}", dir, e.toString());
    }
  }

  /** Free pages still to give back (see {@link #compact}). */
  private long vacuumOwed;
  /** Pages given back per commit. */
  private static final int VACUUM_STEP = 256;

  // ---- metrics ----

  /** Bytes on disk: the database and its WAL. */
  public long sizeBytes() {
    return size(dir.resolve(DB_FILE)) + size(dir.resolve(DB_FILE + "-wal"));
  }

  private static long size(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  public Path dir() {
    return dir;
  }

  /** For /api/mesh and /metrics. */
  public JsonObject info() {
    long n = commits.get();
    return new JsonObject().put("dir", dir.toString()).put("durability", durability).put("bytes", sizeBytes())
        .put("journalRows", journalRows()).put("snapshots", snapshots).put("commits", n)
        .put("commitSecondsTotal", commitNanosTotal.get() / 1e9).put("commitMillisLast", commitNanosLast / 1e6)
        .put("commitMillisMax", commitNanosMax / 1e6).put("failing", lastFailure != null);
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(db);
    release(lock, lockChannel);
  }

  private static void release(FileLock lock, FileChannel ch) {
    try {
      if (lock != null) {
        lock.release();
      }
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(ch);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
  }
}
