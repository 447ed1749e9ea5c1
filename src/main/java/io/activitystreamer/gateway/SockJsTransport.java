package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * A browser client over SockJS: one JSON command per SockJS message, in both directions. The protocol
 * layer hands us newline-terminated lines (the TCP framing); the newline is cut off here, so a SockJS
 * message is exactly one JSON object.
 */
final class SockJsTransport implements ClientTransport {
  private final SockJSSocket socket;

  SockJsTransport(SockJSSocket socket) {
    this.socket = socket;
  }

  @Override
  public void write(Buffer line) {
    int n = line.length();
    socket.write(n > 0 && line.getByte(n - 1) == '\n' ? line.slice(0, n - 1) : line);
  }

  @Override
  public void close() {
    socket.end();
  }

  @Override
  public void pause() {
    socket.pause();
  }

  @Override
  public void resume() {
    socket.resume();
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public String remote() {
    return "sockjs:" + socket.remoteAddress();
  }
}
