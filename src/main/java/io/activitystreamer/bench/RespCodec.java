package io.activitystreamer.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Redis pub/sub over RESP 2. A subscriber sends {@code SUBSCRIBE channel} and is ready at the
 * "subscribe" confirmation; then every {@code ["message", channel, payload]} push is a delivery. A
 * publisher sends {@code PING} (ready at {@code +PONG}), then {@code PUBLISH channel payload}; each
 * integer reply (the number of receivers) acknowledges one publish.
 */
final class RespCodec extends Codec {
  private static final byte[] PUBLISH_HEAD = ascii("*3\r\n$7\r\nPUBLISH\r\n");
  private static final byte[] CRLF = ascii("\r\n");
  private final byte[] channelBulk;
  private final String channel;
  private FrameScanner scanner = new FrameScanner(this::frame);
  private long slow;

  RespCodec(Peer peer, boolean subscriber, int index, int payloadBytes, String channel) {
    super(peer, subscriber, index, payloadBytes);
    this.channel = channel;
    this.channelBulk = ascii("$" + channel.length() + "\r\n" + channel + "\r\n");
  }

  @Override
  void greet() {
    scanner = new FrameScanner(this::frame);
    peer.write(Buffer.buffer(subscriber ? "*2\r\n$9\r\nSUBSCRIBE\r\n" + new String(channelBulk) : "*1\r\n$4\r\nPING\r\n"));
  }

  @Override
  void read(ByteBuf b) {
    scanner.scan(b);
  }

  @Override
  void publish(Buffer out, String t, String seq) {
    out.appendBytes(PUBLISH_HEAD).appendBytes(channelBulk).appendByte((byte) '$')
        .appendString(Integer.toString(bodyLength(t, seq))).appendBytes(CRLF);
    appendBody(out, t, seq);
    out.appendBytes(CRLF);
  }

  @Override
  boolean repliesPerMessage() {
    return true;
  }

  @Override
  long slowFrames() {
    return slow;
  }

  /** One RESP reply or push: a simple string, an error, an integer, or an array of bulk strings and integers. */
  private int frame(ByteBuf b, int from, int end) {
    int cr = FrameScanner.crlf(b, from, end);
    if (cr < 0) {
      return -1;
    }
    byte type = b.getByte(from);
    switch (type) {
      case ':' -> {
        if (subscriber) {
          slow++;
        } else {
          peer.acknowledged();
        }
      }
      case '+' -> {
        slow++;
        if (!subscriber && b.toString(from + 1, cr - from - 1, StandardCharsets.US_ASCII).equals("PONG")) {
          peer.ready();
        }
      }
      case '-' -> peer.failed("redis: " + b.toString(from + 1, cr - from - 1, StandardCharsets.UTF_8));
      case '*' -> {
        return array(b, from, cr, end);
      }
      default -> peer.failed("redis: unexpected reply starting with '" + (char) type + "'");
    }
    return cr + 2 - from;
  }

  private int array(ByteBuf b, int from, int cr, int end) {
    long n = FrameScanner.number(b, from + 1, cr);
    if (n < 0 || n > 16) {
      peer.failed("redis: unexpected array of " + n);
      return cr + 2 - from;
    }
    int i = cr + 2;
    // elements 0 (the kind) and 2 (the payload), as [start, end) pairs
    int k0 = -1;
    int k1 = -1;
    int p0 = -1;
    int p1 = -1;
    for (int e = 0; e < n; e++) {
      int ecr = FrameScanner.crlf(b, i, end);
      if (ecr < 0) {
        return -1;
      }
      int start;
      int stop;
      if (b.getByte(i) == '$') {
        long len = FrameScanner.number(b, i + 1, ecr);
        if (len < 0) {
          peer.failed("redis: bad bulk length");
          return end - from;
        }
        start = ecr + 2;
        stop = (int) (start + len);
        if (stop + 2 > end) {
          return -1;
        }
        i = stop + 2;
      } else {
        start = i + 1;
        stop = ecr;
        i = ecr + 2;
      }
      if (e == 0) {
        k0 = start;
        k1 = stop;
      } else if (e == 2) {
        p0 = start;
        p1 = stop;
      }
    }
    int length = i - from;
    if (n == 3 && is(b, k0, k1, "message")) {
      if (!body(b, p0, p1)) {
        peer.failed("redis: a message that is not the generator's");
      }
    } else if (n == 3 && is(b, k0, k1, "subscribe")) {
      slow++;
      peer.ready();
    } else {
      slow++;
      peer.failed("redis: unexpected push on " + channel);
    }
    return length;
  }

  private static boolean is(ByteBuf b, int from, int to, String word) {
    if (to - from != word.length()) {
      return false;
    }
    for (int k = 0; k < word.length(); k++) {
      if (b.getByte(from + k) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }
}
