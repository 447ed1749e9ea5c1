package io.activitystreamer.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The NATS text protocol. Every client sends {@code CONNECT {"verbose":false}} (no +OK per command), a
 * subscriber {@code SUB subject 1}, then {@code PING}: the {@code PONG} says the server has processed
 * all of it, so the client is ready. Publishers send {@code PUB subject n} with the activity as payload;
 * NATS does not answer a publish. Every {@code MSG subject sid [reply] n} is a delivery; a server
 * {@code PING} is answered with {@code PONG}.
 */
final class NatsCodec extends Codec {
  private static final byte[] CRLF = ascii("\r\n");
  private static final Buffer PONG = Buffer.buffer("PONG\r\n");
  private final byte[] pubHead;
  private final String subject;
  private FrameScanner scanner = new FrameScanner(this::frame);
  private boolean ready;
  private long slow;

  NatsCodec(Peer peer, boolean subscriber, int index, int payloadBytes, String subject) {
    super(peer, subscriber, index, payloadBytes);
    this.subject = subject;
    this.pubHead = ascii("PUB " + subject + " ");
  }

  @Override
  void greet() {
    scanner = new FrameScanner(this::frame);
    ready = false;
    peer.write(Buffer.buffer("CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"bench\"}\r\n"
        + (subscriber ? "SUB " + subject + " 1\r\n" : "") + "PING\r\n"));
  }

  @Override
  void read(ByteBuf b) {
    scanner.scan(b);
  }

  @Override
  void publish(Buffer out, String t, String seq) {
    out.appendBytes(pubHead).appendString(Integer.toString(bodyLength(t, seq))).appendBytes(CRLF);
    appendBody(out, t, seq);
    out.appendBytes(CRLF);
  }

  @Override
  boolean repliesPerMessage() {
    return false;
  }

  @Override
  long slowFrames() {
    return slow;
  }

  /** One protocol line, and for MSG the payload after it. */
  private int frame(ByteBuf b, int from, int end) {
    int cr = FrameScanner.crlf(b, from, end);
    if (cr < 0) {
      return -1;
    }
    int lineLength = cr + 2 - from;
    if (startsWith(b, from, cr, "MSG ")) {
      int sp = b.forEachByteDesc(from, cr - from, c -> c != ' ');
      long n = sp < 0 ? -1 : FrameScanner.number(b, sp + 1, cr);
      if (n < 0) {
        peer.failed("nats: bad MSG line " + b.toString(from, cr - from, StandardCharsets.UTF_8));
        return lineLength;
      }
      int payload = cr + 2;
      int stop = (int) (payload + n);
      if (stop + 2 > end) {
        return -1;
      }
      if (!body(b, payload, stop)) {
        peer.failed("nats: a message that is not the generator's");
      }
      return stop + 2 - from;
    }
    slow++;
    if (startsWith(b, from, cr, "PING")) {
      peer.write(PONG.copy());
    } else if (startsWith(b, from, cr, "PONG")) {
      if (!ready) {
        ready = true;
        peer.ready();
      }
    } else if (startsWith(b, from, cr, "-ERR")) {
      peer.failed("nats: " + b.toString(from, cr - from, StandardCharsets.UTF_8));
    } else if (!startsWith(b, from, cr, "INFO") && !startsWith(b, from, cr, "+OK")) {
      peer.failed("nats: unexpected " + b.toString(from, cr - from, StandardCharsets.UTF_8));
    }
    return lineLength;
  }

  private static boolean startsWith(ByteBuf b, int from, int to, String word) {
    if (to - from < word.length()) {
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
