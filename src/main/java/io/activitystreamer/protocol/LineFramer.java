package io.activitystreamer.protocol;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Splits a byte stream into lines ended by {@code \n} (a {@code \r} before it is dropped). A line
 * longer than {@code maxLineBytes} is never buffered whole: as soon as the pending part passes the
 * limit, {@code onOverflow} runs once and the framer ignores everything after. Not thread-safe: one
 * per socket, called on that socket's event loop.
 */
public final class LineFramer implements Handler<Buffer> {
  private int maxLineBytes;
  private final Handler<String> onLine;
  private final Runnable onOverflow;
  private Buffer pending = Buffer.buffer();
  private boolean stopped;

  public LineFramer(int maxLineBytes, Handler<String> onLine, Runnable onOverflow) {
    this.maxLineBytes = maxLineBytes;
    this.onLine = onLine;
    this.onOverflow = onOverflow;
  }

  /** Raises the limit (a server link carries larger lines than a client). */
  public void maxLineBytes(int max) {
    this.maxLineBytes = max;
  }

  /** Stops delivering lines (after a protocol error closed the connection). */
  public void stop() {
    stopped = true;
    pending = Buffer.buffer();
  }

  @Override
  public void handle(Buffer chunk) {
    int start = 0;
    int len = chunk.length();
    for (int i = 0; i < len && !stopped; i++) {
      if (chunk.getByte(i) == '\n') {
        emit(chunk, start, i);
        start = i + 1;
      }
    }
    if (stopped || start >= len) {
      return;
    }
    if (pending.length() + (len - start) > maxLineBytes) {
      overflow();
      return;
    }
    pending.appendBuffer(chunk, start, len - start);
  }

  private void emit(Buffer chunk, int start, int end) {
    int lineLength = pending.length() + (end - start);
    if (lineLength > maxLineBytes + 1) {
      overflow();
      return;
    }
    String line;
    if (pending.length() == 0) {
      line = chunk.getString(start, end, StandardCharsets.UTF_8.name());
    } else {
      pending.appendBuffer(chunk, start, end - start);
      line = pending.toString(StandardCharsets.UTF_8);
      pending = Buffer.buffer();
    }
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.length() > maxLineBytes && line.getBytes(StandardCharsets.UTF_8).length > maxLineBytes) {
      overflow();
      return;
    }
    if (!line.isBlank()) {
      onLine.handle(line);
    }
  }

  private void overflow() {
    stop();
    onOverflow.run();
  }
}
