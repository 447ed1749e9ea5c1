package io.activitystreamer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Redis and NATS codecs read the same events whatever the reads cut the stream into. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CodecFramingTest {

  /** Records what a codec reports, one string per event. */
  static final class Recorder implements Codec.Peer {
    final List<String> events = new ArrayList<>();

    @Override
    public void broadcast(long sentNanos, int publisher, long seq) {
      events.add("B " + sentNanos + " " + publisher + " " + seq);
    }

    @Override
    public void write(Buffer b) {
      events.add("W " + b.toString(StandardCharsets.US_ASCII));
    }

    @Override
    public void ready() {
      events.add("READY");
    }

    @Override
    public void acknowledged() {
      events.add("ACK");
    }

    @Override
    public void redirect(BenchOptions.Target to) {
      events.add("REDIRECT " + to);
    }

    @Override
    public void failed(String why) {
      events.add("FAILED " + why);
    }
  }

  private static String bulk(String s) {
    return "$" + s.getBytes(StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
  }

  private static String message(String payload) {
    return "*3\r\n" + bulk("message") + bulk("bench") + bulk(payload);
  }

  private static final String BODY1 = "{\"t\":123456789,\"p\":3,\"s\":42,\"d\":\"xxxx\"}";
  // a payload holding CR LF: bulk strings are framed by length, not by line
  private static final String BODY2 = "{\"t\":7,\"p\":0,\"s\":1,\"d\":\"a\\r\\n\r\nb\"}";

  static final String RESP_SUB = "*3\r\n" + bulk("subscribe") + bulk("bench") + ":1\r\n" + message(BODY1)
      + message(BODY2) + message(BODY1.replace("\"s\":42", "\"s\":43"));
  static final List<String> RESP_SUB_EVENTS = List.of("READY", "B 123456789 3 42", "B 7 0 1", "B 123456789 3 43");

  static final String RESP_PUB = "+PONG\r\n:3\r\n:0\r\n:12\r\n-ERR unknown command\r\n";
  static final List<String> RESP_PUB_EVENTS = List.of("READY", "ACK", "ACK", "ACK", "FAILED redis: ERR unknown command");

  static final String NATS_SUB = "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\nPONG\r\n"
      + "MSG bench 1 " + BODY1.length() + "\r\n" + BODY1 + "\r\n"
      + "PING\r\n"
      + "MSG bench 1 reply.inbox " + BODY2.length() + "\r\n" + BODY2 + "\r\n"
      + "+OK\r\n"
      + "MSG bench 1 " + BODY1.length() + "\r\n" + BODY1.replace("42", "44") + "\r\n"
      + "-ERR 'Slow Consumer'\r\n";
  static final List<String> NATS_SUB_EVENTS = List.of("READY", "B 123456789 3 42", "W PONG\r\n", "B 7 0 1",
      "B 123456789 3 44", "FAILED nats: -ERR 'Slow Consumer'");

  private static RespCodec redis(Recorder r, boolean sub) {
    return new RespCodec(r, sub, 3, 4, "bench");
  }

  private static NatsCodec nats(Recorder r, boolean sub) {
    return new NatsCodec(r, sub, 3, 4, "bench");
  }

  /** Feeds {@code stream} whole, cut in two at every byte, and one byte per read; the events never change. */
  private static void assertEveryCut(String stream, List<String> expected, Function<Recorder, Codec> make) {
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= bytes.length; cut++) {
      Recorder r = new Recorder();
      Codec c = make.apply(r);
      c.read(Unpooled.wrappedBuffer(bytes, 0, cut));
      c.read(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
      assertEquals(expected, r.events, "cut at " + cut);
    }
    Recorder r = new Recorder();
    Codec c = make.apply(r);
    for (int i = 0; i < bytes.length; i++) {
      c.read(Unpooled.wrappedBuffer(bytes, i, 1));
    }
    assertEquals(expected, r.events, "one byte per read");
  }

  @Test
  void redisSubscriberPushesAtEveryCut() {
    assertEveryCut(RESP_SUB, RESP_SUB_EVENTS, r -> redis(r, true));
  }

  @Test
  void redisPublisherRepliesAtEveryCut() {
    assertEveryCut(RESP_PUB, RESP_PUB_EVENTS, r -> redis(r, false));
  }

  @Test
  void natsMessagesAtEveryCut() {
    assertEveryCut(NATS_SUB, NATS_SUB_EVENTS, r -> nats(r, true));
  }

  @Test
  void aCutFrameIsNotHandledBeforeItIsComplete() {
    byte[] bytes = message(BODY1).getBytes(StandardCharsets.UTF_8);
    Recorder r = new Recorder();
    RespCodec c = redis(r, true);
    c.read(Unpooled.wrappedBuffer(bytes, 0, bytes.length - 1));
    assertEquals(List.of(), r.events);
    c.read(Unpooled.wrappedBuffer(bytes, bytes.length - 1, 1));
    assertEquals(List.of("B 123456789 3 42"), r.events);
  }

  @Test
  void redisPublishIsAPublishCommandWhosePushReadsBack() {
    Recorder r = new Recorder();
    RespCodec pub = redis(r, false);
    Buffer out = Buffer.buffer();
    pub.publish(out, "987", "5");
    String body = "{\"t\":987,\"p\":3,\"s\":5,\"d\":\"xxxx\"}";
    assertEquals("*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n" + bulk(body), out.toString(StandardCharsets.US_ASCII));
    RespCodec sub = redis(r, true);
    sub.read(Unpooled.wrappedBuffer(message(body).getBytes(StandardCharsets.US_ASCII)));
    assertEquals(List.of("B 987 3 5"), r.events);
  }

  @Test
  void natsPublishIsAPubWhoseMsgReadsBack() {
    Recorder r = new Recorder();
    Buffer out = Buffer.buffer();
    nats(r, false).publish(out, "987", "5");
    String body = "{\"t\":987,\"p\":3,\"s\":5,\"d\":\"xxxx\"}";
    assertEquals("PUB bench " + body.length() + "\r\n" + body + "\r\n", out.toString(StandardCharsets.US_ASCII));
    nats(r, true).read(Unpooled.wrappedBuffer(("MSG bench 1 " + body.length() + "\r\n" + body + "\r\n")
        .getBytes(StandardCharsets.US_ASCII)));
    assertEquals(List.of("B 987 3 5"), r.events);
  }

  @Test
  void greetingsSubscribeOrPing() {
    Recorder r = new Recorder();
    redis(r, true).greet();
    redis(r, false).greet();
    nats(r, true).greet();
    nats(r, false).greet();
    assertEquals(List.of("W *2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n", "W *1\r\n$4\r\nPING\r\n",
        "W CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"bench\"}\r\nSUB bench 1\r\nPING\r\n",
        "W CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"bench\"}\r\nPING\r\n"), r.events);
  }

  @Test
  void aForeignMessageIsAFailureNotADelivery() {
    Recorder r = new Recorder();
    redis(r, true).read(Unpooled.wrappedBuffer(message("hello").getBytes(StandardCharsets.US_ASCII)));
    assertEquals(List.of("FAILED redis: a message that is not the generator's"), r.events);
    assertFalse(r.events.stream().anyMatch(e -> e.startsWith("B ")));
  }

  @Test
  void optionsRefuseWhatATargetCannotDo() {
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--target", "nats"}),
        "NATS has no reply to count as an echo");
    assertThrows(IllegalArgumentException.class,
        () -> BenchOptions.parse(new String[] {"--target", "redis", "--registered"}));
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--target", "kafka"}));
    assertEquals(Codec.Kind.NATS, BenchOptions.parse(new String[] {"--target", "nats", "--ack", "slowest"}).target);
  }
}
