package io.activitystreamer.gateway;

import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code info} replies a {@link ClientSession} writes to its client, each with its log line and
 * meter: protocol errors (INVALID_MESSAGE, AUTHENTICATION_FAIL), the answers to a REGISTER or LOGIN
 * that failed (REGISTER_FAILED, LOGIN_FAILED: refused, hashing pool busy, or an error), the login
 * timeout, and the plain ones; and the failure throttle's delay of a refusal (the REFUSAL timer). The
 * session decides which and when, and closes; this writes. Pure.
 */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  private final SessionEffects out;
  private final String serverId;
  private final String id;
  /** Why the REFUSAL timer's REGISTER or LOGIN is refused. */
  private String delayedRefusal;

  Replies(SessionEffects out, String serverId, String id) {
    this.out = out;
    this.serverId = serverId;
    this.id = id;
  }

  void reply(Command command, String info) {
    out.write(MessageCodec.reply(command, info));
  }

  /** A protocol error, counted under its reply's kind. */
  void error(ProtocolError error) {
    error(error, error.reply() == Command.AUTHENTICATION_FAIL ? ProtocolErrorKind.AUTHENTICATION_FAIL
        : ProtocolErrorKind.INVALID_MESSAGE);
  }

  void error(ProtocolError error, ProtocolErrorKind kind) {
    LOG.warn("[{}] {} {}: {}", serverId, id, error.reply(), error.info());
    out.protocolError(kind);
    reply(error.reply(), error.info());
  }

  /** No LOGIN within {@code millis} of connecting. */
  void loginTimeout(long millis) {
    out.limited(Limit.LOGIN_TIMEOUT);
    LOG.debug("[{}] {} login timeout", serverId, id);
    reply(Command.INVALID_MESSAGE, "no LOGIN within " + millis + " ms of connecting (loginTimeoutMillis)");
  }

  /** An expected "no" to a REGISTER or LOGIN ({@code reply} is REGISTER_FAILED or LOGIN_FAILED). */
  void refused(Command reply, String info) {
    LOG.debug("[{}] {} {}: {}", serverId, id, reply, info);
    outcome(reply, Outcome.REFUSED);
    reply(reply, info);
  }

  /**
   * A refusal of a REGISTER or LOGIN waits the delay the failure throttle gives the address and
   * {@code throttled} name (may be null): true when the REFUSAL timer was armed for it, false to answer now.
   */
  boolean delayRefusal(String info, String throttled) {
    long delay = out.failed(throttled);
    if (delay <= 0) {
      return false;
    }
    out.limited(Limit.FAILURE_DELAYED);
    delayedRefusal = info;
    out.startTimer(ClientSession.Timer.REFUSAL, delay);
    return true;
  }

  /** What the REFUSAL timer's answer says. */
  String delayedRefusal() {
    return delayedRefusal;
  }

  /** The hashing pool's queue is full. */
  void hashBusy(Command reply, String info) {
    out.limited(Limit.HASH_BUSY);
    outcome(reply, Outcome.REFUSED);
    reply(reply, info);
  }

  /** The request failed unexpectedly. */
  void failed(Command reply, Throwable err) {
    outcome(reply, Outcome.ERROR);
    LOG.error("[{}] {} {} failed", serverId, id, reply, err);
    reply(reply, "server unavailable, try again: " + err.getMessage());
  }

  private void outcome(Command reply, Outcome o) {
    if (reply == Command.REGISTER_FAILED) {
      out.registerOutcome(o);
    } else {
      out.loginOutcome(o);
    }
  }
}
