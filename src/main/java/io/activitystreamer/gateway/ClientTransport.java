package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;

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

  String remote();

  /** True for a client connected over TLS (tlsPort): REDIRECT and members then name TLS ports. */
  default boolean tls() {
    return false;
  }
}
