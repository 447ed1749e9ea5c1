package io.activitystreamer.gateway;

import io.netty.channel.Channel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
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
  public void abort() {
    // NetSocket.close() (and a close through the pipeline, which Vert.x turns into a graceful one) waits for
    // the queued bytes to be flushed, which a client that does not read never allows: close the channel
    // underneath, dropping them
    if (socket instanceof NetSocketInternal internal) {
      Channel channel = internal.channelHandlerContext().channel();
      channel.unsafe().close(channel.voidPromise());
    } else {
      socket.close();
    }
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
