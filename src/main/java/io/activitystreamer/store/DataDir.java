package io.activitystreamer.store;

import io.activitystreamer.store.Store.StoreException;
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
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One opened data directory: its lock file (held while open), the connection to {@code state.db} with its
 * pragmas (WAL; synchronous by durability), the schema (meta, journal, snapshot), the integrity check and
 * the HMAC of the mesh secret it was written with. The connection is used by one thread at a time: the
 * opener's until {@link Store#attach}, then the store thread's (which reconnects after a failed commit).
 */
final class DataDir {
  static final String DB_FILE = "state.db";
  static final String LOCK_FILE = "lock";
  private static final String FORMAT = "1";
  private static final String SECRET_HMAC = "secret_hmac";
  private static final String FORMAT_KEY = "format";

  private final Path dir;
  private final String durability;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final long journalRowsAtOpen;
  private Connection db;

  private DataDir(Path dir, String durability, FileChannel lockChannel, FileLock lock, Connection db,
                  long journalRowsAtOpen) {
    this.dir = dir;
    this.durability = durability;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.db = db;
    this.journalRowsAtOpen = journalRowsAtOpen;
  }

  /** Opens (creating) {@code dir}: takes its lock, checks the database and the secret it was written with. */
  static DataDir open(Path dir, String secret, String durability) throws StoreException {
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
      createSchema(db);
      db.setAutoCommit(false);
      checkMeta(db, dir, secret);
      db.commit();
      return new DataDir(dir, durability, ch, lock, db, countJournal(db));
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
      st.execute("PRAGMA synchronous=" + (Store.OFF.equals(durability) ? "OFF" : "FULL"));
    } catch (SQLException e) {
      closeQuietly(db);
      throw e;
    }
    return db;
  }

  private static void createSchema(Connection db) throws SQLException {
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
  }

  private static void checkMeta(Connection db, Path dir, String secret) throws SQLException, StoreException {
    String mac = secretMac(secret);
    String stored = null;
    try (PreparedStatement q = db.prepareStatement("SELECT v FROM meta WHERE k = '" + SECRET_HMAC + "'");
         ResultSet rs = q.executeQuery()) {
      if (rs.next()) {
        stored = rs.getString(1);
      }
    }
    if (stored == null) {
      try (PreparedStatement ins = db.prepareStatement("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)")) {
        ins.setString(1, SECRET_HMAC);
        ins.setString(2, mac);
        ins.executeUpdate();
        ins.setString(1, FORMAT_KEY);
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
  private static String secretMac(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal("activitystreamer data directory".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static long countJournal(Connection db) throws SQLException {
    long rows;
    try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM journal")) {
      rows = rs.next() ? rs.getLong(1) : 0;
    }
    db.commit();
    return rows;
  }

  /** Rows in the journal when opened (what a recovery replays). */
  long journalRowsAtOpen() {
    return journalRowsAtOpen;
  }

  Connection connection() {
    return db;
  }

  /**
   * A fresh connection in place of one a failed commit left behind (after SQLITE_FULL or an I/O error
   * SQLite may have rolled back on its own, and the driver's idea of the transaction no longer holds).
   */
  void reconnect() throws SQLException {
    closeQuietly(db);
    db = connect(dir.resolve(DB_FILE), durability);
    db.setAutoCommit(false);
  }

  Path dir() {
    return dir;
  }

  /** Bytes on disk: the database and its WAL. */
  long sizeBytes() {
    return size(dir.resolve(DB_FILE)) + size(dir.resolve(DB_FILE + "-wal"));
  }

  private static long size(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Closes the connection and releases the lock (after the store thread has ended). */
  void close() {
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

  static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
  }
}
