package io.activitystreamer.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/** What both transports do the same way: flow control, both ways, of the Vert.x stream under them. */
abstract class StreamTransport implements ClientTransport {
  private final ReadStream<Buffer> in;
  private final WriteStream<Buffer> out;

  /** {@code in} and {@code out}: the one socket, seen as each (a Java bound cannot name both). */
  StreamTransport(ReadStream<Buffer> in, WriteStream<Buffer> out) {
    this.in = in;
    this.out = out;
  }

  @Override
  public final void pause() {
    in.pause();
  }

  @Override
  public final void resume() {
    in.resume();
  }

  @Override
  public final boolean writeQueueFull() {
    return out.writeQueueFull();
  }

  @Override
  public final void drainHandler(Runnable drained) {
    out.drainHandler(drained == null ? null : v -> drained.run());
  }
}
