package io.activitystreamer.store;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store's numbers for /api/mesh and /metrics: commits and their durations, snapshots written (by the
 * store thread, read anywhere), and the names of the store's info object ({@link Store#info}).
 */
public final class StoreStats {
  public static final String DIR = "dir";
  public static final String DURABILITY = "durability";
  public static final String BYTES = "bytes";
  public static final String JOURNAL_ROWS = "journalRows";
  public static final String SNAPSHOTS = "snapshots";
  public static final String COMMITS = "commits";
  public static final String COMMIT_SECONDS_TOTAL = "commitSecondsTotal";
  public static final String COMMIT_MILLIS_LAST = "commitMillisLast";
  public static final String COMMIT_MILLIS_MAX = "commitMillisMax";
  public static final String FAILING = "failing";

  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong commitNanosTotal = new AtomicLong();
  private volatile long commitNanosMax;
  private volatile long commitNanosLast;
  private volatile long snapshots;

  StoreStats() {}

  /** One commit (written or failed) that took {@code nanos}; on the store thread. */
  void committed(long nanos) {
    commits.incrementAndGet();
    commitNanosTotal.addAndGet(nanos);
    commitNanosLast = nanos;
    if (nanos > commitNanosMax) {
      commitNanosMax = nanos;
    }
  }

  /** One snapshot written; on the store thread. */
  void snapshotWritten() {
    snapshots++;
  }

  JsonObject info(Path dir, String durability, long bytes, long journalRows, boolean failing) {
    long n = commits.get();
    return new JsonObject().put(DIR, dir.toString()).put(DURABILITY, durability).put(BYTES, bytes)
        .put(JOURNAL_ROWS, journalRows).put(SNAPSHOTS, snapshots).put(COMMITS, n)
        .put(COMMIT_SECONDS_TOTAL, commitNanosTotal.get() / 1e9).put(COMMIT_MILLIS_LAST, commitNanosLast / 1e6)
        .put(COMMIT_MILLIS_MAX, commitNanosMax / 1e6).put(FAILING, failing);
  }
}
