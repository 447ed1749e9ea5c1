package io.activitystreamer.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Line splitting, \r\n, and the line limit enforced without buffering the rest of an over-long line. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LineFramerTest {
  private final List<String> lines = new ArrayList<>();
  private int overflows;

  private LineFramer framer(int max) {
    return new LineFramer(max, lines::add, () -> overflows++);
  }

  private static Buffer buf(String s) {
    return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void splitsLinesAcrossAndWithinChunks() {
    LineFramer f = framer(100);
    f.handle(buf("a\nbb\nc"));
    assertEquals(List.of("a", "bb"), lines);
    f.handle(buf("cc"));
    f.handle(buf("c\n"));
    f.handle(buf("\nd\n"));
    assertEquals(List.of("a", "bb", "cccc", "d"), lines, "blank lines are skipped");
    assertEquals(0, overflows);
  }

  @Test
  void oneByteAtATime() {
    LineFramer f = framer(100);
    for (byte b : "{\"x\":1}\r\n{\"y\":2}\n".getBytes(StandardCharsets.UTF_8)) {
      f.handle(Buffer.buffer(new byte[] {b}));
    }
    assertEquals(List.of("{\"x\":1}", "{\"y\":2}"), lines);
  }

  @Test
  void crlfIsAccepted() {
    LineFramer f = framer(100);
    f.handle(buf("one\r\ntwo\r"));
    f.handle(buf("\nthree\n"));
    assertEquals(List.of("one", "two", "three"), lines);
  }

  @Test
  void multiByteCharactersSplitAcrossChunks() {
    LineFramer f = framer(100);
    byte[] bytes = "Zoë😀\n".getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length - 1; cut++) {
      lines.clear();
      LineFramer g = framer(100);
      g.handle(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 0, cut)));
      g.handle(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, cut, bytes.length)));
      assertEquals(List.of("Zoë😀"), lines, "cut at " + cut);
    }
    f.handle(Buffer.buffer(bytes));
  }

  @Test
  void lineOfExactlyTheLimitPasses() {
    LineFramer f = framer(10);
    f.handle(buf("0123456789\n"));
    f.handle(buf("0123456789\r\n"));
    f.handle(buf("01234"));
    f.handle(buf("56789\n"));
    assertEquals(List.of("0123456789", "0123456789", "0123456789"), lines);
    assertEquals(0, overflows);
  }

  @Test
  void lineOverTheLimitInOneChunk() {
    LineFramer f = framer(10);
    f.handle(buf("ok\n01234567890\nnext\n"));
    assertEquals(List.of("ok"), lines);
    assertEquals(1, overflows);
  }

  @Test
  void overflowFiresBeforeTheNewlineArrivesAndNothingMoreIsDelivered() {
    int max = 65536;
    LineFramer f = framer(max);
    byte[] chunk = new byte[8192];
    java.util.Arrays.fill(chunk, (byte) 'x');
    int sent = 0;
    while (overflows == 0 && sent < 10 * 1024 * 1024) {
      f.handle(Buffer.buffer(chunk));
      sent += chunk.length;
    }
    assertEquals(1, overflows, "overflow fired without a newline");
    assertTrue(sent <= max + chunk.length, "fired as soon as the limit was passed, after " + sent + " bytes");
    // the rest of the line, its newline, and later lines are ignored; overflow is reported once
    for (int i = 0; i < 100; i++) {
      f.handle(Buffer.buffer(chunk));
    }
    f.handle(buf("\n{\"command\":\"LOGOUT\"}\n"));
    assertTrue(lines.isEmpty(), lines.toString());
    assertEquals(1, overflows);
  }

  @Test
  void overflowCountsThePendingPartAcrossChunks() {
    LineFramer f = framer(10);
    f.handle(buf("012345"));
    assertEquals(0, overflows);
    f.handle(buf("67890"));
    assertEquals(1, overflows, "11 bytes pending, no newline yet");
  }

  @Test
  void stopDropsEverything() {
    LineFramer f = framer(100);
    f.handle(buf("a\npartial"));
    f.stop();
    f.handle(buf("rest\nb\n"));
    assertEquals(List.of("a"), lines);
  }

  @Test
  void raisingTheLimitTakesEffect() {
    LineFramer f = framer(10);
    f.maxLineBytes(1000);
    f.handle(buf("x".repeat(500) + "\n"));
    assertEquals(1, lines.size());
    assertEquals(0, overflows);
  }
}
