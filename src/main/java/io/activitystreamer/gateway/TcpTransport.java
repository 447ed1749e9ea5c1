package io.activitystreamer.gateway;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/** A client over TCP (plaintext on -lp, or TLS on tlsPort), one JSON line per message. */
final class TcpTransport implements ClientTransport {
  private final NetSocket socket;
  /** Completes once the last line written so far has gone to the kernel. */
  private Future<Void> lastWrite = Future.succeededFuture();

  TcpTransport(NetSocket socket) {
    this.socket = socket;
  }

  @Override
  public void write(Buffer line) {
    lastWrite = socket.write(line);
  }

  /**
   * Half-closes once the last lines are written: the client reads them and then the end of the stream,
   * while whatever it is still sending is read and dropped; the connection ends when the client closes
   * (or {@link #abort} after a grace period). Closing at once with unread input makes the kernel reset
   * the connection, and the client may never see its last lines (INVALID_MESSAGE after a 10 MB line).
   */
  @Override
  public void close() {
    socket.resume();
    if (!(socket instanceof NetSocketInternal internal)
        || !(internal.channelHandlerContext().channel() instanceof DuplexChannel duplex)) {
      socket.end();
      return;
    }
    SslHandler ssl = internal.channelHandlerContext().pipeline().get(SslHandler.class);
    lastWrite.onComplete(ar -> {
      if (ar.failed()) {
        socket.close();
      } else if (ssl != null) {
        // TLS: close_notify first (a TLS client takes an end without it for a truncation attack)
        ssl.closeOutbound().addListener(f -> duplex.shutdownOutput());
      } else {
        duplex.shutdownOutput();
      }
    });
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
  public boolean tls() {
    return socket.isSsl();
  }

  @Override
  public String remote() {
    return String.valueOf(socket.remoteAddress());
  }
}
