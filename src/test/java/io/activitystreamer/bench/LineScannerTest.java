package io.activitystreamer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LineScannerTest {
  private final List<String> seen = new ArrayList<>();
  private final LineScanner scanner = new LineScanner(new LineScanner.Sink() {
    @Override
    public void broadcast(long sentNanos, int publisher, long seq) {
      seen.add("B " + sentNanos + " " + publisher + " " + seq);
    }

    @Override
    public void control(JsonObject line) {
      seen.add("C " + line.getString("command"));
    }
  });

  private static final String STREAM =
      "{\"command\":\"LOGIN_SUCCESS\",\"info\":\"logged in as user anonymous\"}\n"
      + "{\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{\"t\":123456789,\"p\":3,\"s\":42,\"d\":\"xxxx\","
      + "\"authenticated_user\":\"anonymous\"}}\n"
      + "{\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{\"t\":7,\"p\":0,\"s\":1,\"d\":\"\"}}\r\n"
      // another field order: the slow path still finds the fields
      + "{\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{\"d\":\"x\",\"s\":9,\"p\":1,\"t\":5}}\n"
      + "{\"command\":\"REDIRECT\",\"hostname\":\"localhost\",\"port\":3}\n";

  private static final List<String> EXPECTED = List.of("C LOGIN_SUCCESS", "B 123456789 3 42", "B 7 0 1",
      "B 5 1 9", "C REDIRECT");

  @Test
  void readsBroadcastFieldsAndControlLines() {
    scanner.scan(Unpooled.wrappedBuffer(STREAM.getBytes(StandardCharsets.UTF_8)));
    assertEquals(EXPECTED, seen);
    assertEquals(3, scanner.slowLines(), "only the two replies and the reordered broadcast are parsed");
  }

  @Test
  void linesSplitAtAnyByteAreReassembled() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut1 = 0; cut1 < bytes.length; cut1 += 7) {
      for (int cut2 = cut1; cut2 < bytes.length; cut2 += 13) {
        seen.clear();
        scanner.scan(Unpooled.wrappedBuffer(bytes, 0, cut1));
        scanner.scan(Unpooled.wrappedBuffer(bytes, cut1, cut2 - cut1));
        scanner.scan(Unpooled.wrappedBuffer(bytes, cut2, bytes.length - cut2));
        assertEquals(EXPECTED, seen, "cut at " + cut1 + " and " + cut2);
      }
    }
  }
}
