package io.activitystreamer.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A client over TCP (plaintext on -lp, or TLS on tlsPort), one JSON line per message. */
final class TcpTransport extends StreamTransport {
  private final NetSocket socket;
  /** Completes once the last line written so far has gone to the kernel. */
  private Future<Void> lastWrite = Future.succeededFuture();

  /**
   * Only batches written at least this long before the client's end of the stream count as read: one
   * written just before may still be in the kernel, not yet sent (TCP acknowledgement counts only what
   * was sent), or cross the client's close. The same grace as a REDIRECT's freeze.
   */
  static final long READ_GRACE_NANOS = 100_000_000L;
  /** Batches written within this of each other share one entry of {@link #written}. */
  private static final long BUCKET_NANOS = 10_000_000L;
  /**
   * The positions of the batches written recently, oldest first: the newest one written at least
   * {@link #READ_GRACE_NANOS} ago and every one since (one entry per bucket), until the client's end of
   * the stream arrives.
   */
  private final ArrayDeque<Written> written = new ArrayDeque<>();
  private boolean ended;
  /** See {@link #readThrough}. */
  private Map<String, Long> readThrough;

  TcpTransport(NetSocket socket) {
    super(socket, socket);
    this.socket = socket;
    watchClientEnd();
  }

  /** Linux TCP state CLOSE_WAIT: the peer's FIN arrived, ours not sent. */
  private static final int TCP_CLOSE_WAIT = 8;

  /**
   * On the native epoll transport (plaintext): when the client ends the stream, looks at what its TCP
   * acknowledged before the connection closes (Netty would close it at once, and the kernel's view with
   * it): half-closure is allowed so that the end arrives as an event, then the channel is closed as
   * before. Elsewhere (NIO, TLS) nothing is known and the redelivery window applies.
   */
  private void watchClientEnd() {
    if (socket.isSsl() || !(socket instanceof NetSocketInternal internal)
        || !(internal.channelHandlerContext().channel() instanceof EpollSocketChannel epoll)) {
      return;
    }
    epoll.config().setAllowHalfClosure(true);
    internal.channelHandlerContext().pipeline().addBefore(internal.channelHandlerContext().name(), "client-end",
        new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ChannelInputShutdownEvent) {
              ended = true;
              settle(epoll, System.nanoTime(), 0);
            } else if (evt != ChannelInputShutdownReadComplete.INSTANCE) {
              super.userEventTriggered(ctx, evt);
            }
          }
        });
  }

  /** How often, and how many times, {@link #settle} looks again at what the client acknowledged. */
  private static final long SETTLE_STEP_MILLIS = 10;
  private static final int SETTLE_TRIES = 50;

  /**
   * After the client's FIN (what is written from then on does not count as read, see
   * {@link #wroteThrough}): once every byte written is acknowledged, the batches written
   * {@link #READ_GRACE_NANOS} before the FIN count as read. A client that is slow to acknowledge (a busy machine, a full receive window) is given up to
   * {@code SETTLE_TRIES x SETTLE_STEP_MILLIS}; one that reset meanwhile, or never acknowledged, gets the
   * redelivery window. Then the channel is closed, as Netty does at once without half-closure.
   */
  private void settle(EpollSocketChannel channel, long finNanos, int tries) {
    if (acknowledgedAll(channel)) {
      readThrough = writtenBefore(finNanos - READ_GRACE_NANOS);
    } else if (tries < SETTLE_TRIES && channel.isOpen()) {
      channel.eventLoop().schedule(() -> settle(channel, finNanos, tries + 1), SETTLE_STEP_MILLIS,
          TimeUnit.MILLISECONDS);
      return;
    }
    channel.unsafe().close(channel.voidPromise());
  }

  /** The client's FIN arrived, every byte written went to the kernel and the client acknowledged all. */
  private static boolean acknowledgedAll(EpollSocketChannel channel) {
    try {
      ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
      var info = channel.tcpInfo();
      return (out == null || out.totalPendingWriteBytes() == 0) && info.state() == TCP_CLOSE_WAIT
          && info.unacked() == 0;
    } catch (RuntimeException e) {
      return false; // (the socket is gone already: nothing known)
    }
  }

  /** Positions of the batches written in one bucket: the last one's, and when it was written. */
  private static final class Written {
    final long startNanos;
    long atNanos;
    Map<String, Long> positions;

    Written(long now, Map<String, Long> positions) {
      this.startNanos = now;
      this.atNanos = now;
      this.positions = positions;
    }
  }

  @Override
  public void wroteThrough(Map<String, Long> positions, long now) {
    if (ended) {
      return; // (a batch written after the end goes to a closed channel: not read)
    }
    Written last = written.peekLast();
    if (last != null && now - last.startNanos < BUCKET_NANOS) {
      last.atNanos = now;
      last.positions = positions;
    } else {
      written.addLast(new Written(now, positions));
    }
    // keep the newest entry written before the grace, drop what is older
    while (written.size() > 1) {
      Written oldest = written.pollFirst();
      if (now - written.peekFirst().atNanos < READ_GRACE_NANOS) {
        written.addFirst(oldest);
        break;
      }
    }
  }

  /** The positions of the newest batch written at or before {@code t} (nanoTime); null if none. */
  private Map<String, Long> writtenBefore(long t) {
    Map<String, Long> out = null;
    for (Written w : written) {
      if (w.atNanos <= t) {
        out = w.positions;
      }
    }
    return out;
  }

  @Override
  public Map<String, Long> readThrough() {
    return readThrough;
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
  public boolean tls() {
    return socket.isSsl();
  }

  @Override
  public String remote() {
    return String.valueOf(socket.remoteAddress());
  }

  @Override
  public String remoteIp() {
    return socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
  }
}
