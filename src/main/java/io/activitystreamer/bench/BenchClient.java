package io.activitystreamer.bench;

import io.activitystreamer.protocol.Fields;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One generator connection, a subscriber or a publisher, on its {@link BenchLoop}'s event loop: connects,
 * optionally REGISTERs, LOGs IN, follows a REDIRECT, then counts every ACTIVITY_BROADCAST it receives
 * (publishers too: the server sends every activity to every session). A publisher writes activities in
 * batches: in max-rate mode it refills its in-flight window after each received chunk, counting its own
 * echoes as acknowledgements; in fixed-rate mode its loop's timer tells it what is due.
 */
final class BenchClient implements LineScanner.Sink {
  enum Role { SUB, PUB }

  private static final VarHandle SEQS = MethodHandles.arrayElementVarHandle(long[].class);

  final BenchLoop loop;
  final Role role;
  /** Publisher index (the "p" of its activities); -1 for a subscriber. */
  final int index;
  private final String username;
  private final String secret;
  private BenchOptions.Target target;
  private NetSocket socket;
  private final LineScanner scanner = new LineScanner(this);
  private final long[] lastSeq;
  private final long[] recent;
  private Promise<Void> ready = Promise.promise();
  private boolean registeredDone;
  private boolean redirecting;
  private boolean stopping;
  boolean loggedIn;
  /** Distinct activities received (any publisher). */
  long distinct;

  // publisher state
  private final byte[] head;
  private final byte[] middle;
  private final byte[] tail;
  boolean publishing;
  /** --ack slowest: every subscriber, read (opaque, from any loop) for the slowest one's progress. */
  List<BenchClient> subscribers = List.of();
  long startNanos;
  long sent;
  private int inFlight;

  BenchClient(BenchLoop loop, Role role, int index, BenchOptions.Target target, String username, String secret,
              int publishers, int payloadBytes) {
    this.loop = loop;
    this.role = role;
    this.index = index;
    this.target = target;
    this.username = username;
    this.secret = secret;
    this.lastSeq = new long[publishers];
    this.recent = new long[publishers];
    // names and secrets are generated (plain ASCII): no JSON escaping needed
    String credentials = "\"" + Fields.USERNAME + "\":\"" + username + "\""
        + (secret == null ? "" : ",\"" + Fields.SECRET + "\":\"" + secret + "\"");
    this.head = ("{\"command\":\"ACTIVITY_MESSAGE\"," + credentials + ",\"activity\":{\"t\":")
        .getBytes(StandardCharsets.UTF_8);
    this.middle = (",\"p\":" + index + ",\"s\":").getBytes(StandardCharsets.US_ASCII);
    char[] pad = new char[payloadBytes];
    Arrays.fill(pad, 'x');
    this.tail = (",\"d\":\"" + new String(pad) + "\"}}\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** Connects and logs in; completes once LOGIN_SUCCESS arrived. Call on the loop's context. */
  Future<Void> start() {
    ready = Promise.promise();
    connect();
    return ready.future();
  }

  private void connect() {
    loop.client().connect(target.port(), target.host()).onComplete(ar -> {
      if (ar.failed()) {
        loop.error("connect to " + target + " failed: " + ar.cause().getMessage());
        ready.tryFail(ar.cause());
        return;
      }
      socket = ar.result();
      // the raw (pooled) ByteBufs, without Vert.x's copy into a fresh heap Buffer per read
      ((NetSocketInternal) socket).messageHandler(msg -> {
        if (msg instanceof ByteBuf buf) {
          try {
            onData(buf);
          } finally {
            buf.release();
          }
        }
      });
      socket.exceptionHandler(err -> { });
      socket.closeHandler(v -> onClosed());
      if (loop.options().registered && !registeredDone) {
        send(new JsonObject().put(Fields.COMMAND, "REGISTER").put(Fields.USERNAME, username)
            .put(Fields.SECRET, secret));
      } else {
        login();
      }
    });
  }

  private void login() {
    JsonObject m = new JsonObject().put(Fields.COMMAND, "LOGIN").put(Fields.USERNAME, username);
    if (secret != null) {
      m.put(Fields.SECRET, secret);
    }
    send(m);
  }

  private void send(JsonObject m) {
    socket.write(m.toBuffer().appendByte((byte) '\n'));
  }

  private void onData(ByteBuf b) {
    if (Vertx.currentContext() != loop.context()) {
      loop.error(username + " runs on a foreign event loop: counts are not reliable");
    }
    loop.chunkArrived();
    scanner.scan(b);
    if (publishing && role == Role.PUB && loop.options().maxRate()) {
      refill();
    }
  }

  /** Max-rate mode: fills the window up again. */
  void refill() {
    long unacked = inFlight;
    if (loop.options().ackSlowest) {
      long slowest = sent;
      for (BenchClient s : subscribers) {
        slowest = Math.min(slowest, (long) SEQS.getOpaque(s.lastSeq, index));
      }
      unacked = Math.max(unacked, sent - slowest);
    }
    long room = loop.options().window - unacked;
    if (room > 0) {
      publish((int) room);
    }
  }

  private void onClosed() {
    boolean was = loggedIn;
    loggedIn = false;
    if (was) {
      loop.loggedInChanged(-1);
    }
    if (redirecting) {
      redirecting = false;
      connect();
      return;
    }
    if (!stopping) {
      loop.disconnected();
      ready.tryFail("connection to " + target + " closed");
    }
  }

  @Override
  public void control(JsonObject line) {
    String cmd = String.valueOf(line.getValue(Fields.COMMAND));
    switch (cmd) {
      case "REGISTER_SUCCESS" -> {
        registeredDone = true;
        login();
      }
      case "LOGIN_SUCCESS" -> {
        loggedIn = true;
        loop.loggedInChanged(1);
        ready.tryComplete();
      }
      case "REDIRECT" -> {
        loop.redirected();
        redirecting = true;
        target = new BenchOptions.Target(line.getString(Fields.HOSTNAME), line.getInteger(Fields.PORT));
        socket.close();
      }
      default -> {
        loop.error(username + " got " + line.encode());
        ready.tryFail(cmd + ": " + line.getString(Fields.INFO));
      }
    }
  }

  @Override
  public void broadcast(long sentNanos, int publisher, long seq) {
    boolean fresh = true;
    boolean late = false;
    if (publisher >= 0 && publisher < lastSeq.length) {
      int r = order(lastSeq, recent, publisher, seq);
      fresh = r >= 0;
      late = r > 0;
    }
    if (fresh) {
      distinct++;
    }
    if (role == Role.SUB) {
      loop.subscriberDelivery(sentNanos, fresh, late);
    } else {
      loop.publisherDelivery();
      if (publisher == index) {
        inFlight--;
      }
    }
  }

  /**
   * Where {@code seq} of {@code publisher} stands (the anti-replay window of IPsec): -1 a duplicate, 0 the
   * next or a later one (a gap is filled later or lost), 1 an earlier one arriving late (out of order).
   * {@code recent[p]} bit i says whether seq {@code lastSeq[p] - 1 - i} arrived; a seq more than 64 behind
   * counts as late, never as a duplicate.
   */
  static int order(long[] lastSeq, long[] recent, int p, long seq) {
    long last = lastSeq[p];
    if (seq > last) {
      long shift = seq - last;
      recent[p] = shift > 64 ? 0 : (shift == 64 ? 0 : recent[p] << shift) | (1L << (shift - 1));
      SEQS.setOpaque(lastSeq, p, seq);
      return 0;
    }
    if (seq == last) {
      return -1;
    }
    long i = last - 1 - seq;
    if (i >= 64) {
      return 1;
    }
    if ((recent[p] & (1L << i)) != 0) {
      return -1;
    }
    recent[p] |= 1L << i;
    return 1;
  }

  /** Writes {@code n} activities in one buffer. */
  void publish(int n) {
    Buffer out = Buffer.buffer(n * (head.length + middle.length + tail.length + 40));
    String t = Long.toString(Bench.now());
    for (int k = 0; k < n; k++) {
      out.appendBytes(head).appendString(t).appendBytes(middle).appendString(Long.toString(++sent)).appendBytes(tail);
    }
    inFlight += n;
    loop.published(n);
    socket.write(out);
  }

  /** Fixed-rate mode: called by the loop's timer. */
  void tick(long now, double rate) {
    long due = (long) (rate * (now - startNanos) / 1e9) - sent;
    if (due <= 0) {
      return;
    }
    if (socket.writeQueueFull()) {
      loop.behind();
      return;
    }
    publish((int) Math.min(due, 10_000));
  }

  void startPublishing() {
    publishing = true;
    startNanos = Bench.now();
    if (loop.options().maxRate()) {
      publish(loop.options().window);
    }
  }

  /** Stops publishing; the connection stays open (a close by the server still counts as a disconnect). */
  void stopPublishing() {
    publishing = false;
  }

  /** The generator is closing its connections: a close is expected now. */
  void closing() {
    stopping = true;
  }

  /** Where this client is connected now and what it last saw of each publisher (for loss reports). */
  String describe() {
    return username + "@" + target + " distinct " + distinct + " lastSeq " + Arrays.toString(lastSeq);
  }

  long slowLines() {
    return scanner.slowLines();
  }
}
