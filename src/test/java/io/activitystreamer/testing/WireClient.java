package io.activitystreamer.testing;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The client protocol on a Vert.x {@link NetSocket}, for vertx-junit5 tests: every wait is a
 * {@link Future} to compose and hand to a {@code VertxTestContext}, none blocks a thread. (The blocking
 * {@link LineClient} is for tests that drive sockets from the test thread.) A message that arrives with
 * nobody waiting is queued for the next {@link #next}, or given to the {@link #onMessage} handler.
 *
 * <pre>
 * WireClient.connect(vertx, port)
 *     .compose(c -> c.loginOk("anonymous", null).map(c))
 *     .compose(c -> c.send(activity).expect("ACTIVITY_BROADCAST"))
 *     .onComplete(ctx.succeeding(b -> ctx.verify(() -> ...)));
 * </pre>
 */
public final class WireClient {
  /** How long {@link #next} waits before it fails (saying what arrived before). */
  public static final long WAIT_MILLIS = 10_000;

  private final Vertx vertx;
  private final NetClient client;
  private final NetSocket socket;
  private final ArrayDeque<JsonObject> arrived = new ArrayDeque<>();
  private final ArrayDeque<Promise<JsonObject>> waiting = new ArrayDeque<>();
  /** The last lines received, for failure messages. */
  private final ArrayDeque<String> seen = new ArrayDeque<>();
  private final Promise<Void> closed = Promise.promise();
  private Handler<JsonObject> handler;

  private WireClient(Vertx vertx, NetClient client, NetSocket socket) {
    this.vertx = vertx;
    this.client = client;
    this.socket = socket;
    socket.handler(RecordParser.newDelimited("\n", line -> onLine(line.toString())));
    socket.closeHandler(v -> onClosed());
  }

  public static Future<WireClient> connect(Vertx vertx, int port) {
    NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    return client.connect(port, "127.0.0.1").map(s -> new WireClient(vertx, client, s));
  }

  public static JsonObject command(String command) {
    return new JsonObject().put("command", command);
  }

  public WireClient send(JsonObject msg) {
    socket.write(msg.encode() + "\n");
    return this;
  }

  public WireClient register(String user, String secret) {
    return send(command("REGISTER").put("username", user).put("secret", secret));
  }

  public WireClient login(String user, String secret) {
    JsonObject m = command("LOGIN").put("username", user);
    return send(secret == null ? m : m.put("secret", secret));
  }

  public WireClient activity(String user, String secret, JsonObject activity) {
    JsonObject m = command("ACTIVITY_MESSAGE").put("username", user).put("activity", activity);
    return send(secret == null ? m : m.put("secret", secret));
  }

  /** LOGIN, then LOGIN_SUCCESS. */
  public Future<JsonObject> loginOk(String user, String secret) {
    return login(user, secret).expect("LOGIN_SUCCESS");
  }

  /** REGISTER, REGISTER_SUCCESS, LOGIN, LOGIN_SUCCESS. */
  public Future<JsonObject> registerAndLogin(String user, String secret) {
    return register(user, secret).expect("REGISTER_SUCCESS").compose(r -> loginOk(user, secret));
  }

  /** The next message; fails if the connection closes first or none comes within {@link #WAIT_MILLIS}. */
  public Future<JsonObject> next() {
    Promise<JsonObject> p;
    synchronized (this) {
      if (!arrived.isEmpty()) {
        return Future.succeededFuture(arrived.pollFirst());
      }
      if (closed.future().isComplete()) {
        return Future.failedFuture(new AssertionError("connection closed; it had last sent " + last()));
      }
      p = Promise.promise();
      waiting.addLast(p);
    }
    long timer = vertx.setTimer(WAIT_MILLIS, t -> {
      synchronized (this) {
        waiting.remove(p);
      }
      p.tryFail(new AssertionError("no message within " + WAIT_MILLIS + " ms; it had last sent " + last()));
    });
    return p.future().andThen(ar -> vertx.cancelTimer(timer));
  }

  /** The next message, which must be {@code command}. */
  public Future<JsonObject> expect(String command) {
    return next().compose(m -> command.equals(m.getString("command")) ? Future.succeededFuture(m)
        : Future.failedFuture(new AssertionError("expected " + command + ", got " + m.encode())));
  }

  /** The next message, which must be an ACTIVITY_BROADCAST: its activity. */
  public Future<JsonObject> nextActivity() {
    return expect("ACTIVITY_BROADCAST").map(m -> m.getJsonObject("activity"));
  }

  /** From now on every message nobody waits for goes to {@code h} (those queued first). */
  public void onMessage(Handler<JsonObject> h) {
    List<JsonObject> queued;
    synchronized (this) {
      handler = h;
      queued = new ArrayList<>(arrived);
      arrived.clear();
    }
    queued.forEach(h::handle);
  }

  /** Completes when the server has closed the connection (or it was closed here). */
  public Future<Void> closed() {
    return closed.future();
  }

  /**
   * Closes the connection at once. (Left open, it would hold the test's Vert.x close for the 30 s of
   * its graceful shutdown: close every client before the test completes.)
   */
  public Future<Void> close() {
    return socket.close().eventually(() -> client.close());
  }

  private void onLine(String line) {
    JsonObject m = new JsonObject(line);
    Promise<JsonObject> p;
    Handler<JsonObject> h;
    synchronized (this) {
      seen.addLast(line.length() > 200 ? line.substring(0, 200) + "..." : line);
      if (seen.size() > 20) {
        seen.removeFirst();
      }
      p = waiting.pollFirst();
      h = handler;
      if (p == null && h == null) {
        arrived.addLast(m);
        return;
      }
    }
    if (p != null) {
      p.tryComplete(m);
    } else {
      h.handle(m);
    }
  }

  private synchronized String last() {
    return seen.toString();
  }

  private void onClosed() {
    List<Promise<JsonObject>> left;
    synchronized (this) {
      left = new ArrayList<>(waiting);
      waiting.clear();
    }
    closed.tryComplete();
    left.forEach(p -> p.tryFail(new AssertionError("connection closed; it had last sent " + last())));
  }
}
