package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;

/** One client connection's transport (raw TCP or SockJS), as {@link ClientHandler} sees it. */
public interface ClientTransport {
  void write(Buffer line);

  /** Closes after pending writes are flushed. */
  void close();

  void pause();

  void resume();

  boolean writeQueueFull();

  String remote();
}
