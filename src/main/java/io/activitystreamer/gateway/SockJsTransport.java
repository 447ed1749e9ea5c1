package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * A browser client over SockJS: one JSON command per SockJS message, in both directions. The protocol
 * layer hands us newline-terminated lines (the TCP framing), possibly several in one buffer; they are
 * split here, so a SockJS message is exactly one JSON object.
 */
final class SockJsTransport extends StreamTransport {
  private final SockJSSocket socket;

  SockJsTransport(SockJSSocket socket) {
    super(socket, socket);
    this.socket = socket;
  }

  /** {@code lines} holds one or more newline-terminated lines (a delivery may batch several): one message each. */
  @Override
  public void write(Buffer lines) {
    int n = lines.length();
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (lines.getByte(i) == '\n') {
        if (i > start) {
          socket.write(lines.slice(start, i));
        }
        start = i + 1;
      }
    }
    if (start < n) {
      socket.write(lines.slice(start, n));
    }
  }

  /** SockJSSocket.end() only unregisters the socket's bus handler; close() ends the session after queued writes. */
  @Override
  public void close() {
    socket.close();
  }

  @Override
  public String remote() {
    return "sockjs:" + socket.remoteAddress();
  }

  @Override
  public String remoteIp() {
    return socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
  }
}
