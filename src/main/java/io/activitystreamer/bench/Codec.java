package io.activitystreamer.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One generator connection's wire protocol: what it sends when it connects (log in, subscribe), how it
 * frames a publish, and how it reads what arrives. Everything else (connecting, the in-flight window,
 * counting, latency) is the same {@link BenchClient} whatever the target, and so is the activity: the
 * JSON object {@code {"t":<send ns>,"p":<publisher>,"s":<seq>,"d":"<payload>"}}, sent as our
 * ACTIVITY_MESSAGE's activity, as a Redis PUBLISH's message or as a NATS PUB's payload. One instance
 * per client, on its event loop; {@link #greet} starts each new connection and resets the reading state.
 */
abstract class Codec {

  /** The server the generator talks to. */
  enum Kind {
    /** ActivityStreamer's classic JSON lines: LOGIN, ACTIVITY_MESSAGE, ACTIVITY_BROADCAST. */
    OURS,
    /** Redis pub/sub over RESP: SUBSCRIBE, PUBLISH (integer reply), "message" pushes. */
    REDIS,
    /** The NATS text protocol: CONNECT, SUB, PUB, MSG, PING/PONG. */
    NATS;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a codec tells its connection. */
  interface Peer extends LineScanner.Activities {
    void write(Buffer b);

    /** Logged in, subscribed or connected: the client may take part in the run. */
    void ready();

    /** The server's reply to one publish (Redis' integer reply; ours counts the publisher's own echo instead). */
    void acknowledged();

    /** Our server sends the client elsewhere. */
    void redirect(BenchOptions.Target to);

    /** A reply the generator cannot go on from. */
    void failed(String why);
  }

  static final byte[] BODY_HEAD = "{\"t\":".getBytes(StandardCharsets.US_ASCII);

  final Peer peer;
  final boolean subscriber;
  private final byte[] middle;
  private final byte[] bodyTail;

  Codec(Peer peer, boolean subscriber, int index, int payloadBytes) {
    this.peer = peer;
    this.subscriber = subscriber;
    this.middle = (",\"p\":" + index + ",\"s\":").getBytes(StandardCharsets.US_ASCII);
    char[] pad = new char[payloadBytes];
    Arrays.fill(pad, 'x');
    this.bodyTail = (",\"d\":\"" + new String(pad) + "\"}").getBytes(StandardCharsets.US_ASCII);
  }

  static Codec create(Kind kind, Peer peer, BenchClient.Role role, int index, String username, String secret,
                      BenchOptions o) {
    boolean sub = role == BenchClient.Role.SUB;
    return switch (kind) {
      case OURS -> new ClassicCodec(peer, sub, index, o.payloadBytes, username, secret, o.registered);
      case REDIS -> new RespCodec(peer, sub, index, o.payloadBytes, o.channel);
      case NATS -> new NatsCodec(peer, sub, index, o.payloadBytes, o.channel);
    };
  }

  /** A new connection: reset the reading state and write the greeting (login, subscribe, connect). */
  abstract void greet();

  /** Reads one chunk from the server. */
  abstract void read(ByteBuf b);

  /** Appends one publish of the activity stamped {@code t} with sequence {@code seq}. */
  abstract void publish(Buffer out, String t, String seq);

  /** Whether the server answers every publish (then the client counts those answers as acknowledgements). */
  abstract boolean repliesPerMessage();

  /** Frames that were not a delivery or an acknowledgement (replies, pings, server info). */
  abstract long slowFrames();

  /** Bytes of the activity body for these digits. */
  final int bodyLength(String t, String seq) {
    return BODY_HEAD.length + t.length() + middle.length + seq.length() + bodyTail.length;
  }

  final void appendBody(Buffer out, String t, String seq) {
    out.appendBytes(BODY_HEAD).appendString(t).appendBytes(middle).appendString(seq).appendBytes(bodyTail);
  }

  /** An upper bound of one publish's bytes, for sizing a batch. */
  final int publishSizeHint() {
    return BODY_HEAD.length + middle.length + bodyTail.length + 200;
  }

  /** Reads an activity body in [from, to): false if it is not one of the generator's. */
  final boolean body(ByteBuf b, int from, int to) {
    if (to - from < BODY_HEAD.length + 12) {
      return false;
    }
    for (int k = 0; k < BODY_HEAD.length; k++) {
      if (b.getByte(from + k) != BODY_HEAD[k]) {
        return false;
      }
    }
    return LineScanner.fields(b, from + BODY_HEAD.length, to, peer);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
