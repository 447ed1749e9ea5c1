package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/** One client connection's transport (raw TCP or SockJS), as {@link ClientHandler} sees it. */
public interface ClientTransport {
  void write(Buffer line);

  /** Closes after pending writes are flushed. */
  void close();

  /** Closes now, dropping unflushed writes (a client that stopped reading would never let close() end). */
  default void abort() {
    close();
  }

  void pause();

  void resume();

  boolean writeQueueFull();

  /** {@code drained} runs once the write queue is below half its limit again (after {@link #writeQueueFull}); null: none. */
  void drainHandler(Runnable drained);

  String remote();

  /** The remote IP address (a literal), for the per-address limits. */
  String remoteIp();
  /** A delivery batch cut at these positions was written at {@code nowNanos} (see {@link #readThrough}). */
  default void wroteThrough(Map<String, Long> positions, long nowNanos) {}

  /**
   * After the transport closed: the positions of the last batch written before the client ended the
   * stream itself (TCP FIN) having acknowledged every byte written to it; null when that is not known. A
   * client closes that way only after reading everything it received (with unread bytes its kernel resets
   * the connection instead), so it read every activity up to them.
   */
  default Map<String, Long> readThrough() {
    return null;
  }

  /** True for a client connected over TLS (tlsPort): REDIRECT and members then name TLS ports. */
  default boolean tls() {
    return false;
  }
}
