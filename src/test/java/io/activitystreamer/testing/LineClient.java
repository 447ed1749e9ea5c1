package io.activitystreamer.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A small line-based JSON client for tests: a plain blocking socket plus one daemon reader thread that
 * queues every received line. Every wait has a deadline and fails with an {@link AssertionError} that
 * says what was expected and what arrived. Safe to use from the test thread while the reader runs.
 *
 * <pre>
 * try (LineClient c = LineClient.connect(port)) {
 *   c.send(new JsonObject().put("command", "LOGIN").put("username", "anonymous"));
 *   c.expect("LOGIN_SUCCESS");
 *   c.awaitClosed();
 * }
 * </pre>
 */
public final class LineClient implements AutoCloseable {
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
  /** Marks end of stream in the queue. */
  private static final String EOF = new String("<eof>");

  private final Socket socket;
  private final OutputStream out;
  private final LinkedBlockingDeque<String> lines = new LinkedBlockingDeque<>();
  private final List<String> seen = new ArrayList<>();
  private volatile boolean eof;

  private LineClient(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    Thread reader = new Thread(() -> readLoop(in), "line-client-" + socket.getLocalPort());
    reader.setDaemon(true);
    reader.start();
  }

  public static LineClient connect(int port) {
    return connect("127.0.0.1", port);
  }

  public static LineClient connect(String host, int port) {
    try {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), 5000);
      return new LineClient(s);
    } catch (IOException e) {
      throw new AssertionError("cannot connect to " + host + ":" + port + ": " + e, e);
    }
  }

  /** A client over an already connected socket (e.g. an {@code SSLSocket} to a TLS port). */
  public static LineClient over(Socket s) {
    try {
      s.setTcpNoDelay(true);
      return new LineClient(s);
    } catch (IOException e) {
      throw new AssertionError("cannot use " + s + ": " + e, e);
    }
  }

  private void readLoop(InputStream in) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = in.read(chunk)) > 0) {
        for (int i = 0; i < n; i++) {
          if (chunk[i] == '\n') {
            lines.add(buf.toString(StandardCharsets.UTF_8));
            buf.reset();
          } else {
            buf.write(chunk[i]);
          }
        }
      }
    } catch (IOException e) {
      // connection reset or closed by us: end of stream
    }
    eof = true;
    lines.add(EOF);
  }

  // ---- sending ----

  public LineClient send(JsonObject msg) {
    return sendRaw(msg.encode() + "\n");
  }

  /** Sends text as it is (add the newline yourself). */
  public LineClient sendRaw(String text) {
    return sendBytes(text.getBytes(StandardCharsets.UTF_8));
  }

  public LineClient sendBytes(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new AssertionError("write failed: " + e, e);
    }
  }

  /** Like {@link #sendBytes} but returns false instead of failing when the server already closed. */
  public boolean trySendBytes(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public static JsonObject command(String command) {
    return new JsonObject().put("command", command);
  }

  public LineClient register(String user, String secret) {
    return send(command("REGISTER").put("username", user).put("secret", secret));
  }

  public LineClient login(String user, String secret) {
    JsonObject m = command("LOGIN").put("username", user);
    if (secret != null) {
      m.put("secret", secret);
    }
    return send(m);
  }

  public LineClient activity(String user, String secret, JsonObject activity) {
    return send(command("ACTIVITY_MESSAGE").put("username", user).put("secret", secret).put("activity", activity));
  }

  /** REGISTER then LOGIN on this connection, asserting both succeed. */
  public LineClient registerAndLogin(String user, String secret) {
    register(user, secret).expect("REGISTER_SUCCESS");
    login(user, secret).expect("LOGIN_SUCCESS");
    return this;
  }

  /** LOGIN asserting success; skips nothing (the next line must be LOGIN_SUCCESS). */
  public LineClient loginOk(String user, String secret) {
    login(user, secret).expect("LOGIN_SUCCESS");
    return this;
  }

  // ---- receiving ----

  /** The next raw line within {@code wait}, or null at end of stream. Fails on timeout. */
  public String nextLine(Duration wait) {
    try {
      String l = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (l == null) {
        throw new AssertionError("no line within " + wait + "; received so far: " + seen);
      }
      if (l == EOF) {
        lines.addFirst(EOF);
        return null;
      }
      synchronized (seen) {
        seen.add(l);
      }
      return l;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The next line as JSON within {@code wait}. Fails on timeout or end of stream. */
  public JsonObject next(Duration wait) {
    String l = nextLine(wait);
    if (l == null) {
      throw new AssertionError("connection closed while waiting for a line; received so far: " + seen);
    }
    return new JsonObject(l);
  }

  public JsonObject next() {
    return next(DEFAULT_WAIT);
  }

  /** The next line, asserting its command. */
  public JsonObject expect(String command) {
    return expect(command, DEFAULT_WAIT);
  }

  public JsonObject expect(String command, Duration wait) {
    JsonObject m = next(wait);
    if (!command.equals(m.getString("command"))) {
      throw new AssertionError("expected " + command + " but got " + m.encode());
    }
    return m;
  }

  /** The next line, asserting its command and exact info text. */
  public JsonObject expect(String command, String info) {
    JsonObject m = expect(command);
    if (!info.equals(m.getString("info"))) {
      throw new AssertionError("expected " + command + " with info '" + info + "' but got " + m.encode());
    }
    return m;
  }

  /** Skips lines until one matches, within {@code wait} overall. */
  public JsonObject nextMatching(Predicate<JsonObject> p, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching line within " + wait + "; received: " + seen);
      }
      JsonObject m = next(Duration.ofNanos(left));
      if (p.test(m)) {
        return m;
      }
    }
  }

  /** The activity of the next line, which must be an ACTIVITY_BROADCAST. */
  public JsonObject nextActivity() {
    return expect("ACTIVITY_BROADCAST").getJsonObject("activity");
  }

  /** Waits for the server to close the connection; fails if any line arrives first. */
  public void awaitClosed() {
    awaitClosed(DEFAULT_WAIT);
  }

  public void awaitClosed(Duration wait) {
    String l = nextLine(wait);
    if (l != null) {
      throw new AssertionError("expected the connection to close but got: " + l);
    }
  }

  /** Waits for the connection to close, skipping any lines. */
  public void awaitClosedIgnoringLines(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (nextLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))) != null) {
      // skip
    }
  }

  /** True when no line (and no close) arrives within {@code wait}. Use sparingly (it waits the whole time). */
  public boolean quietFor(Duration wait) {
    try {
      String l = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (l != null) {
        lines.addFirst(l); // put back in front: the line stays the next one
        return false;
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public boolean isEof() {
    return eof;
  }

  /** Lines received and consumed so far. */
  public List<String> seen() {
    synchronized (seen) {
      return new ArrayList<>(seen);
    }
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  /** Half-closes output (the server sees end of stream) without closing input. */
  public void shutdownOutput() {
    try {
      socket.shutdownOutput();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** Closes with a reset (RST), as a client that crashes or sets SO_LINGER 0 does. */
  public void reset() {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closed already
    }
    close();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
