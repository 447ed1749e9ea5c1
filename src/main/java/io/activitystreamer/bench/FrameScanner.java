package io.activitystreamer.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Splits a byte stream into a protocol's frames, wherever the reads cut them: complete frames are read
 * in place from the received buffer; a frame cut by the end of a read is copied aside and completed
 * from the next reads (copying only as much of them as that frame needs). Not thread-safe: one per
 * connection.
 */
final class FrameScanner {

  /** One protocol's framing. */
  interface Framer {
    /**
     * Reads the frame starting at {@code from}: if [from, end) holds all of it, handles it and returns its
     * length; otherwise returns -1 and handles nothing.
     */
    int frame(ByteBuf b, int from, int end);
  }

  private final Framer framer;
  private byte[] carry = new byte[512];
  private int carryLength;

  FrameScanner(Framer framer) {
    this.framer = framer;
  }

  void scan(ByteBuf buf) {
    int from = buf.readerIndex();
    int end = buf.writerIndex();
    while (carryLength > 0 && from < end) {
      int before = carryLength;
      // take geometrically more of this read until the cut frame is complete
      int take = Math.min(end - from, Math.max(256, carryLength));
      keep(buf, from, take);
      int n = framer.frame(Unpooled.wrappedBuffer(carry, 0, carryLength), 0, carryLength);
      if (n < 0) {
        from += take;
      } else {
        // the frame used n - before bytes of this read; what else was copied is read in place below
        from += n - before;
        carryLength = 0;
      }
    }
    while (from < end) {
      int n = framer.frame(buf, from, end);
      if (n < 0) {
        keep(buf, from, end - from);
        return;
      }
      from += n;
    }
  }

  private void keep(ByteBuf buf, int from, int n) {
    if (carryLength + n > carry.length) {
      byte[] bigger = new byte[Math.max(carry.length * 2, carryLength + n)];
      System.arraycopy(carry, 0, bigger, 0, carryLength);
      carry = bigger;
    }
    buf.getBytes(from, carry, carryLength, n);
    carryLength += n;
  }

  /** The index of the CR of the first CRLF in [from, end), or -1 if there is none yet. */
  static int crlf(ByteBuf b, int from, int end) {
    int i = from;
    while (true) {
      int cr = b.indexOf(i, end, (byte) '\r');
      if (cr < 0 || cr + 1 >= end) {
        return -1;
      }
      if (b.getByte(cr + 1) == '\n') {
        return cr;
      }
      i = cr + 1;
    }
  }

  /** A decimal number in [from, to) (an optional leading minus), or Long.MIN_VALUE if it is not one. */
  static long number(ByteBuf b, int from, int to) {
    boolean negative = from < to && b.getByte(from) == '-';
    int i = negative ? from + 1 : from;
    if (i >= to || to - i > 18) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < to; i++) {
      int c = b.getByte(i) - '0';
      if (c < 0 || c > 9) {
        return Long.MIN_VALUE;
      }
      v = v * 10 + c;
    }
    return negative ? -v : v;
  }
}
