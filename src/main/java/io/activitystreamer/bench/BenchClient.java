package io.activitystreamer.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;

/**
 * One generator connection, a subscriber or a publisher, on its {@link BenchLoop}'s event loop: connects,
 * lets its {@link Codec} log in or subscribe (following a REDIRECT of our server), then counts every
 * activity it receives (our publishers too: our server sends every activity to every session). A
 * publisher writes activities in batches: in max-rate mode it refills its in-flight window after each
 * received chunk, counting the server's replies to its publishes (our echo, Redis' integer reply) as
 * acknowledgements; in fixed-rate mode its loop's timer tells it what is due.
 */
final class BenchClient implements Codec.Peer {
  enum Role { SUB, PUB }

  private static final VarHandle SEQS = MethodHandles.arrayElementVarHandle(long[].class);

  final BenchLoop loop;
  final Role role;
  /** Publisher index (the "p" of its activities); -1 for a subscriber. */
  final int index;
  private final String username;
  private final Codec codec;
  private BenchOptions.Target target;
  private NetSocket socket;
  private final long[] lastSeq;
  private final long[] recent;
  private Promise<Void> ready = Promise.promise();
  private boolean redirecting;
  private boolean stopping;
  boolean loggedIn;
  /** Distinct activities received (any publisher). */
  long distinct;

  // publisher state
  boolean publishing;
  /** --ack slowest: every subscriber, read (opaque, from any loop) for the slowest one's progress. */
  List<BenchClient> subscribers = List.of();
  long startNanos;
  long sent;
  private int inFlight;

  BenchClient(BenchLoop loop, Role role, int index, BenchOptions.Target target, String username, String secret,
              int publishers) {
    this.loop = loop;
    this.role = role;
    this.index = index;
    this.target = target;
    this.username = username;
    this.lastSeq = new long[publishers];
    this.recent = new long[publishers];
    this.codec = Codec.create(loop.options().target, this, role, index, username, secret, loop.options());
  }

  /** Connects and logs in; completes once the codec says the client is ready. Call on the loop's context. */
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
      codec.greet();
    });
  }

  @Override
  public void write(Buffer b) {
    socket.write(b);
  }

  private void onData(ByteBuf b) {
    if (Vertx.currentContext() != loop.context()) {
      loop.error(username + " runs on a foreign event loop: counts are not reliable");
    }
    loop.chunkArrived();
    codec.read(b);
    if (publishing && role == Role.PUB && loop.options().maxRate()) {
      refill();
    } else if (role == Role.SUB && !codec.repliesPerMessage()) {
      // no reply to a publish (NATS): a subscriber's progress is what can open a publisher's window
      loop.subscriberProgress();
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
  public void ready() {
    loggedIn = true;
    loop.loggedInChanged(1);
    ready.tryComplete();
  }

  @Override
  public void acknowledged() {
    inFlight--;
  }

  @Override
  public void redirect(BenchOptions.Target to) {
    loop.redirected();
    redirecting = true;
    target = to;
    socket.close();
  }

  @Override
  public void failed(String why) {
    loop.error(username + "@" + target + ": " + why);
    ready.tryFail(why);
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
    Buffer out = Buffer.buffer(n * codec.publishSizeHint());
    String t = Long.toString(Bench.now());
    for (int k = 0; k < n; k++) {
      codec.publish(out, t, Long.toString(++sent));
    }
    if (codec.repliesPerMessage()) {
      inFlight += n;
    }
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
    return codec.slowFrames();
  }
}
