package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/** A client over raw TCP, one JSON line per message. */
final class TcpTransport implements ClientTransport {
  private final NetSocket socket;

  TcpTransport(NetSocket socket) {
    this.socket = socket;
  }

  @Override
  public void write(Buffer line) {
    socket.write(line);
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
    return String.valueOf(socket.remoteAddress());
  }
}
