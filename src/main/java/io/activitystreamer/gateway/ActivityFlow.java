package io.activitystreamer.gateway;

import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.ProtocolError;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The activities of a logged-in connection, both ways. In: what its own must pass ({@link
 * ActivityCheck}) and how many are in flight (sent to the state, not yet delivered back): reading
 * pauses for credit at {@code maxInFlightPerClient} and resumes below half of it. Out: which lines the
 * delivery batches are written from (the resume extension's, or the classic ones) and the positions
 * they were written through. Pure; nothing is allocated per activity or batch.
 */
final class ActivityFlow {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  private final SessionEffects out;
  private final String serverId;
  private final String id;
  private final int maxInFlight;
  private final int maxQueued;
  /** What this login's activities must pass (from LOGIN_SUCCESS on). */
  private ActivityCheck check;
  private boolean resumeLines;
  /** Own activities sent to the state and not yet delivered back (flow control, LOGOUT). */
  private int inFlight;
  /**
   * Reading is paused for credit (while LOGGED_IN or REDIRECTING; it stays paused into LOGGING_OUT,
   * which ends in a close). Independent of what the protocol waits for.
   */
  private boolean paused;
  /**
   * Bytes of deliveries written since the backlog of a resumed session filled the write queue, until
   * the queue drains; -1 when not catching up. The backlog is owed (the backlog bounds keep it finite),
   * so only what is queued behind it counts against {@code maxQueued}: a client that reads is never
   * disconnected for catching up, one that does not read is, after the backlog and {@code maxQueued}.
   */
  private long queuedBehindBacklog = -1;

  ActivityFlow(SessionEffects out, String serverId, String id, int maxInFlight, int maxQueued) {
    this.out = out;
    this.serverId = serverId;
    this.id = id;
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
  }

  /** Logged in as {@code who}, the session's last accepted client seq {@code lastSeq}. */
  void start(Credentials who, long lastSeq, int rate) {
    check = who.check(lastSeq, rate);
    resumeLines = who.resumeClient();
  }

  /** LOGIN_SUCCESS and the backlog were written: if they filled the write queue the client catches up. */
  void backlogWritten() {
    if (out.writeQueueFull()) {
      queuedBehindBacklog = 0;
      out.awaitDrain();
    }
  }

  /** The write queue drained after the backlog: from now on the queue's own limit applies again. */
  void drained() {
    queuedBehindBacklog = -1;
  }

  /**
   * An ACTIVITY_MESSAGE of the client on {@code session}: to the state, or dropped (a resend), or
   * refused: the refusal (counted under its limit), else null.
   */
  ProtocolError accept(Decoded d, String session, long now) {
    if (check.accept(d, now, out.storeFailure())) {
      out.activity(session, check.activity(), check.clientSeq(), now);
      if (++inFlight >= maxInFlight && !paused) {
        paused = true;
        out.pauseReading();
      }
    } else if (check.refusal() == null) {
      LOG.debug("[{}] {} dropped resend seq {} (last {})", serverId, id, check.clientSeq(), check.lastClientSeq());
    } else if (check.limit() != null) {
      out.limited(check.limit());
    }
    return check.refusal();
  }

  /**
   * Writes a batch (one write, the same buffer for every client) cut at {@code through}; true when the
   * client is too slow (more than {@code maxQueued} bytes queued, not counting a backlog it is still
   * reading: to be disconnected).
   */
  boolean write(Buffer classicLines, Buffer resumeLines, Map<String, Long> through, long nowNanos) {
    Buffer lines = this.resumeLines ? resumeLines : classicLines;
    out.write(lines);
    out.wroteThrough(through, nowNanos);
    if (queuedBehindBacklog >= 0) {
      queuedBehindBacklog += lines.length();
      if (queuedBehindBacklog <= maxQueued) {
        return false;
      }
    } else if (!out.writeQueueFull()) {
      return false;
    }
    LOG.warn("[{}] {} too slow: more than {} bytes queued, disconnecting", serverId, id, maxQueued);
    return true;
  }

  /**
   * {@code count} own activities were delivered back; reading resumes below half the limit if
   * {@code mayResume}. True when none is in flight any more.
   */
  boolean credit(int count, boolean mayResume) {
    inFlight -= count;
    if (mayResume && paused && inFlight < maxInFlight / 2) {
      paused = false;
      out.resumeReading();
    }
    return inFlight <= 0;
  }

  /** Own activities are still on their way back (a LOGOUT waits for them). */
  boolean owed() {
    return inFlight > 0;
  }
}
