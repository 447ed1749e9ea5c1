package io.activitystreamer.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The generator's receive path: splits a byte stream into lines and reads the bench fields of each
 * ACTIVITY_BROADCAST without parsing JSON. The generator sends activities whose first fields are
 * {@code "t"} (send time, ns), {@code "p"} (publisher index) and {@code "s"} (publisher sequence), and
 * the server keeps the field order, so a broadcast line starts with the fixed {@link #PREFIX} followed by
 * {@code t,"p":p,"s":s}. Per line: one newline search (Netty's SWAR indexOf), six long compares, and
 * three short digit runs. Any other line (replies, or a broadcast in another shape) takes the slow path:
 * a full JSON parse. Lines cut by the end of a read are completed by {@link FrameScanner}, the framing
 * every bench codec shares. Not thread-safe: one per connection.
 */
final class LineScanner {
  static final byte[] PREFIX =
      "{\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{\"t\":".getBytes(StandardCharsets.US_ASCII);
  private static final long[] PREFIX_LONGS = new long[PREFIX.length / 8];

  static {
    ByteBuf b = Unpooled.wrappedBuffer(PREFIX);
    for (int i = 0; i < PREFIX_LONGS.length; i++) {
      PREFIX_LONGS[i] = b.getLong(i * 8);
    }
  }

  /** Where a generator activity's numbers go. */
  interface Activities {
    /** An activity sent by the generator: its send time, publisher index and sequence. */
    void broadcast(long sentNanos, int publisher, long seq);
  }

  /** What the scanner found. */
  interface Sink extends Activities {

    /** Any other line, parsed. */
    void control(JsonObject line);
  }

  private final Sink sink;
  private final FrameScanner frames = new FrameScanner(this::frame);
  private long slowLines;

  LineScanner(Sink sink) {
    this.sink = sink;
  }

  long slowLines() {
    return slowLines;
  }

  /** Scans one chunk; a partial last line is kept for the next chunk (by the bench's one {@link FrameScanner}). */
  void scan(ByteBuf buf) {
    frames.scan(buf);
  }

  /** One line starting at {@code from}: handled and its length with the newline, or -1 if not complete yet. */
  private int frame(ByteBuf b, int from, int end) {
    int nl = b.indexOf(from, end, (byte) '\n');
    if (nl < 0) {
      return -1;
    }
    line(b, from, nl);
    return nl + 1 - from;
  }

  /** One line in [from, to), without its newline. */
  private void line(ByteBuf b, int from, int to) {
    if (to - from > PREFIX.length + 12 && startsWithPrefix(b, from) && fields(b, from + PREFIX.length, to, sink)) {
      return;
    }
    slow(b.toString(from, to - from, StandardCharsets.UTF_8));
  }

  /**
   * Reads {@code T,"p":P,"s":S} at {@code i} (just after an activity's {@code {"t":}) within {@code to}
   * and hands the three numbers to {@code sink}; false if the bytes there have another shape. Shared by
   * every protocol's codec: the generator's activity is the same JSON object on every target.
   */
  static boolean fields(ByteBuf b, int i, int to, Activities sink) {
    long t = 0;
    int c;
    int start = i;
    while (i < to && (c = b.getByte(i) - '0') >= 0 && c <= 9) {
      t = t * 10 + c;
      i++;
    }
    if (i == start || !(i + 5 < to && b.getByte(i) == ',' && b.getByte(i + 1) == '"' && b.getByte(i + 2) == 'p'
        && b.getByte(i + 3) == '"' && b.getByte(i + 4) == ':')) {
      return false;
    }
    i += 5;
    int p = 0;
    start = i;
    while (i < to && (c = b.getByte(i) - '0') >= 0 && c <= 9) {
      p = p * 10 + c;
      i++;
    }
    if (i == start || !(i + 5 < to && b.getByte(i) == ',' && b.getByte(i + 1) == '"' && b.getByte(i + 2) == 's'
        && b.getByte(i + 3) == '"' && b.getByte(i + 4) == ':')) {
      return false;
    }
    i += 5;
    long s = 0;
    start = i;
    while (i < to && (c = b.getByte(i) - '0') >= 0 && c <= 9) {
      s = s * 10 + c;
      i++;
    }
    if (i == start) {
      return false;
    }
    sink.broadcast(t, p, s);
    return true;
  }

  private static boolean startsWithPrefix(ByteBuf b, int from) {
    for (int k = 0; k < PREFIX_LONGS.length; k++) {
      if (b.getLong(from + k * 8) != PREFIX_LONGS[k]) {
        return false;
      }
    }
    return true;
  }

  private void slow(String line) {
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.isBlank()) {
      return;
    }
    slowLines++;
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (RuntimeException e) {
      json = new JsonObject().put("command", "UNPARSABLE").put("info", line);
    }
    JsonObject act = "ACTIVITY_BROADCAST".equals(json.getString("command")) ? json.getJsonObject("activity") : null;
    if (act != null && act.getValue("t") instanceof Number t && act.getValue("p") instanceof Number p
        && act.getValue("s") instanceof Number s) {
      sink.broadcast(t.longValue(), p.intValue(), s.longValue());
    } else {
      sink.control(json);
    }
  }
}
