package io.activitystreamer.it;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for tests: listens on a free loopback port and forwards every connection to a target.
 * {@link #cut()} closes every open connection and refuses new ones (accepts, then closes at once) until
 * {@link #restore()}. Counts the lines it forwards that carry a given command ({@link #count}), in both
 * directions, e.g. MESH_EVENT lines on a server link.
 *
 * <pre>
 * try (TcpProxy p = TcpProxy.start(serverPort)) {
 *   // start a peer that dials p.port() instead of serverPort
 *   p.cut();      // link flaps
 *   p.restore();
 * }
 * </pre>
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final int target;
  private final NetClient client;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private volatile boolean cut;
  private NetServer server;

  private TcpProxy(int target) {
    this.target = target;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000).setTcpNoDelay(true));
  }

  public static TcpProxy start(int targetPort) {
    TcpProxy p = new TcpProxy(targetPort);
    try {
      p.server = p.vertx.createNetServer().connectHandler(p::onConnect).listen(0, "127.0.0.1")
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      p.close();
      throw new AssertionError("proxy cannot listen", e);
    }
    return p;
  }

  public int port() {
    return server.actualPort();
  }

  private void onConnect(NetSocket in) {
    if (cut) {
      in.close();
      return;
    }
    in.pause();
    open.add(in);
    client.connect(target, "127.0.0.1").onSuccess(out -> {
      open.add(out);
      if (cut || !open.contains(in)) {
        out.close();
        in.close();
        return;
      }
      pipe(in, out);
      pipe(out, in);
      in.resume();
    }).onFailure(err -> {
      open.remove(in);
      in.close();
    });
  }

  private void pipe(NetSocket from, NetSocket to) {
    StringBuilder partial = new StringBuilder();
    from.handler(buf -> {
      countLines(partial, buf);
      to.write(buf);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.closeHandler(v -> {
      open.remove(from);
      to.close();
    });
    from.exceptionHandler(err -> from.close());
  }

  private void countLines(StringBuilder partial, Buffer buf) {
    String s = buf.toString();
    int start = 0;
    for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
      partial.append(s, start, i);
      countLine(partial);
      partial.setLength(0);
      start = i + 1;
    }
    if (partial.length() < 256) {
      partial.append(s, start, Math.min(s.length(), start + 256));
    }
  }

  private void countLine(CharSequence line) {
    String head = line.subSequence(0, Math.min(line.length(), 200)).toString();
    int i = head.indexOf("\"command\":\"");
    if (i >= 0) {
      int from = i + 11;
      int to = head.indexOf('"', from);
      if (to > from) {
        counts.computeIfAbsent(head.substring(from, to), k -> new AtomicLong()).incrementAndGet();
      }
    }
  }

  /** Lines with this command forwarded so far, both directions. */
  public long count(String command) {
    AtomicLong n = counts.get(command);
    return n == null ? 0 : n.get();
  }

  public void resetCounts() {
    counts.clear();
  }

  /** Closes every connection through the proxy and refuses new ones until {@link #restore()}. */
  public void cut() {
    cut = true;
    for (NetSocket s : open) {
      s.close();
    }
    open.clear();
  }

  public void restore() {
    cut = false;
  }

  public int openConnections() {
    return open.size();
  }

  @Override
  public void close() {
    cut();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // test teardown
    }
  }
}
