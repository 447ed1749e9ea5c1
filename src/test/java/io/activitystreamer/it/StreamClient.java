package io.activitystreamer.it;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client connection for mesh tests that keeps reading in the background: every ACTIVITY_BROADCAST goes
 * to {@link #activities()} (and to an optional listener, called on the reader thread, in arrival order);
 * every other line to a queue read by {@link #control}. End of stream is recorded with its time.
 */
final class StreamClient implements AutoCloseable {
  private static final JsonObject EOF = new JsonObject().put("command", "<eof>");

  private final Socket socket;
  private final OutputStream out;
  private final LinkedBlockingQueue<JsonObject> control = new LinkedBlockingQueue<>();
  private final List<JsonObject> activities = new ArrayList<>();
  private final Consumer<JsonObject> listener;
  private volatile long closedAt;

  private StreamClient(Socket socket, Consumer<JsonObject> listener) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.listener = listener;
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    Thread t = new Thread(() -> read(in), "stream-client-" + socket.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  /** Connects or throws IOException (refused, timed out). */
  static StreamClient connect(int port, Consumer<JsonObject> listener) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
      return new StreamClient(s, listener);
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  static StreamClient open(int port) {
    try {
      return connect(port, null);
    } catch (IOException e) {
      throw new AssertionError("cannot connect to " + port, e);
    }
  }

  private void read(BufferedReader in) {
    try {
      String line;
      while ((line = in.readLine()) != null) {
        JsonObject m = new JsonObject(line);
        if ("ACTIVITY_BROADCAST".equals(m.getString("command"))) {
          synchronized (activities) {
            activities.add(m);
          }
          if (listener != null) {
            listener.accept(m);
          }
        } else {
          control.add(m);
        }
      }
    } catch (IOException | RuntimeException e) {
      // closed
    }
    closedAt = System.currentTimeMillis();
    control.add(EOF);
  }

  /** Sends a line; false if the connection is broken. */
  boolean trySend(JsonObject msg) {
    try {
      synchronized (out) {
        out.write((msg.encode() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  void send(JsonObject msg) {
    if (!trySend(msg)) {
      throw new AssertionError("connection broken");
    }
  }

  /** The next non-broadcast line, or null on end of stream or timeout. */
  JsonObject control(Duration wait) {
    try {
      JsonObject m = control.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (m == EOF) {
        control.add(EOF);
        return null;
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  JsonObject expect(String command) {
    JsonObject m = control(Duration.ofSeconds(10));
    if (m == null || !command.equals(m.getString("command"))) {
      throw new AssertionError("expected " + command + ", got " + (m == null ? "end of stream/timeout" : m.encode()));
    }
    return m;
  }

  List<JsonObject> activities() {
    synchronized (activities) {
      return new ArrayList<>(activities);
    }
  }

  boolean closed() {
    return closedAt != 0;
  }

  long closedAt() {
    return closedAt;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
