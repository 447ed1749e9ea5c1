package io.activitystreamer.browser;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A headless Chromium (Debian's {@code chromium}) driven over the Chrome DevTools Protocol: one
 * WebSocket to the browser (Vert.x WebSocket client), pages attached as flat sessions. Enough for
 * tests: open a page, evaluate JavaScript (awaiting promises), wait for a condition in the page with a
 * deadline, take screenshots. Console messages and page errors are kept for failure reports.
 */
final class Chromium implements AutoCloseable {
  private static final long CALL_TIMEOUT_MS = 15_000;

  private final Process process;
  private final Path profile;
  private final Vertx vertx;
  /** Referenced for the browser's lifetime: an unreferenced client is closed by its cleaner. */
  private final WebSocketClient client;
  private final WebSocket ws;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonObject>> calls = new ConcurrentHashMap<>();
  private final List<String> console = Collections.synchronizedList(new ArrayList<>());

  /** The chromium binary, or null when none is installed. */
  static String binary() {
    String env = System.getenv("CHROMIUM_BIN");
    if (env != null && new File(env).canExecute()) {
      return env;
    }
    for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }

  private Chromium(Process process, Path profile, Vertx vertx, WebSocketClient client, WebSocket ws) {
    this.process = process;
    this.profile = profile;
    this.vertx = vertx;
    this.client = client;
    this.ws = ws;
  }

  static Chromium launch() throws Exception {
    return launch(List.of());
  }

  /** As {@link #launch()} with extra command-line switches (e.g. which server keys to trust over TLS). */
  static Chromium launch(List<String> extraArgs) throws Exception {
    String bin = binary();
    if (bin == null) {
      throw new IllegalStateException("chromium not found");
    }
    Path profile = Files.createTempDirectory("streamer-chromium");
    List<String> cmd = new ArrayList<>(List.of(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows", "--password-store=basic", "--window-size=1280,800",
        "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"));
    cmd.addAll(extraArgs);
    cmd.add("about:blank");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CompletableFuture<String> endpoint = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          int i = line.indexOf("ws://");
          if (line.startsWith("DevTools listening on") && i >= 0) {
            endpoint.complete(line.substring(i).trim());
          }
        }
      } catch (IOException e) {
        // process ended
      }
      endpoint.completeExceptionally(new IllegalStateException("chromium exited before DevTools was ready"));
    }, "chromium-output");
    reader.setDaemon(true);
    reader.start();
    Vertx vertx = Vertx.vertx();
    try {
      URI uri = URI.create(endpoint.get(30, TimeUnit.SECONDS));
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(64 << 20)
          .setMaxMessageSize(64 << 20));
      WebSocket ws = client.connect(new WebSocketConnectOptions().setHost(uri.getHost()).setPort(uri.getPort())
              .setURI(uri.getPath()).setAllowOriginHeader(false))
          .await(15, TimeUnit.SECONDS);
      Chromium c = new Chromium(p, profile, vertx, client, ws);
      ws.textMessageHandler(c::onMessage);
      return c;
    } catch (Exception e) {
      p.destroyForcibly();
      vertx.close();
      throw e;
    }
  }

  private void onMessage(String text) {
    JsonObject msg = new JsonObject(text);
    Long id = msg.getLong("id");
    if (id != null) {
      CompletableFuture<JsonObject> f = calls.remove(id);
      if (f != null) {
        if (msg.containsKey("error")) {
          f.completeExceptionally(new IllegalStateException("CDP error: " + msg.getJsonObject("error").encode()));
        } else {
          f.complete(msg.getJsonObject("result", new JsonObject()));
        }
      }
      return;
    }
    String method = msg.getString("method", "");
    JsonObject params = msg.getJsonObject("params", new JsonObject());
    if (method.equals("Runtime.consoleAPICalled")) {
      StringBuilder b = new StringBuilder("console." + params.getString("type") + ":");
      params.getJsonArray("args").forEach(a -> b.append(' ').append(((JsonObject) a).getValue("value",
          ((JsonObject) a).getString("description"))));
      console.add(msg.getString("sessionId", "") + " " + b);
    } else if (method.equals("Runtime.exceptionThrown")) {
      console.add(msg.getString("sessionId", "") + " page error: "
          + params.getJsonObject("exceptionDetails").encode());
    }
  }

  JsonObject call(String sessionId, String method, JsonObject params) {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    calls.put(id, f);
    JsonObject msg = new JsonObject().put("id", id).put("method", method).put("params", params);
    if (sessionId != null) {
      msg.put("sessionId", sessionId);
    }
    ws.writeTextMessage(msg.encode());
    try {
      return f.get(CALL_TIMEOUT_MS + 60_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      calls.remove(id);
      throw new AssertionError(method + " failed: " + e.getMessage(), e);
    }
  }

  /** Opens a new page (tab) of {@code width x height} on {@code url} and waits for it to load. */
  Page open(String url) {
    String target = call(null, "Target.createTarget", new JsonObject().put("url", "about:blank"))
        .getString("targetId");
    String session = call(null, "Target.attachToTarget", new JsonObject().put("targetId", target)
        .put("flatten", true)).getString("sessionId");
    Page page = new Page(this, target, session);
    call(session, "Runtime.enable", new JsonObject());
    call(session, "Page.enable", new JsonObject());
    call(session, "Emulation.setDeviceMetricsOverride", new JsonObject().put("width", 1280).put("height", 800)
        .put("deviceScaleFactor", 1).put("mobile", false));
    page.navigate(url);
    return page;
  }

  /** Console messages and page errors of every page so far. */
  List<String> console() {
    synchronized (console) {
      return new ArrayList<>(console);
    }
  }

  @Override
  public void close() {
    try {
      ws.writeTextMessage(new JsonObject().put("id", ids.incrementAndGet()).put("method", "Browser.close").encode());
      process.waitFor(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      // killed below
    }
    process.destroyForcibly();
    vertx.close();
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind
    }
  }

  /** One page, attached as a CDP session. */
  static final class Page {
    private final Chromium browser;
    private final String target;
    private final String session;

    Page(Chromium browser, String target, String session) {
      this.browser = browser;
      this.target = target;
      this.session = session;
    }

    /** Loads {@code url} in this page (a reload when it is the current one) and waits for it. */
    void navigate(String url) {
      browser.call(session, "Page.navigate", new JsonObject().put("url", url));
      waitFor("document.readyState === 'complete' && location.href.startsWith('" + url + "')", 15_000,
          "page " + url + " loaded");
    }

    /** Closes the tab (its connections close with it). */
    void close() {
      browser.call(null, "Target.closeTarget", new JsonObject().put("targetId", target));
    }

    /** Evaluates {@code js} in the page (awaiting a returned promise); returns its JSON value. */
    Object eval(String js) {
      JsonObject r = browser.call(session, "Runtime.evaluate", new JsonObject().put("expression", js)
          .put("awaitPromise", true).put("returnByValue", true));
      if (r.containsKey("exceptionDetails")) {
        JsonObject ex = r.getJsonObject("exceptionDetails");
        JsonObject exc = ex.getJsonObject("exception", new JsonObject());
        throw new AssertionError("in page: " + exc.getString("description", ex.getString("text")));
      }
      return r.getJsonObject("result", new JsonObject()).getValue("value");
    }

    String evalString(String js) {
      return String.valueOf(eval(js));
    }

    /**
     * Waits in the page until the JavaScript expression {@code condition} is truthy, checking every 50 ms,
     * for at most {@code timeoutMs}; fails with {@code what} and the page's state otherwise.
     */
    void waitFor(String condition, long timeoutMs, String what) {
      String js = "new Promise((resolve) => { const t0 = Date.now(); (function poll() {"
          + " let ok = false; try { ok = !!(" + condition + "); } catch (e) { }"
          + " if (ok) return resolve(true); if (Date.now() - t0 > " + timeoutMs + ") return resolve(false);"
          + " setTimeout(poll, 50); })(); })";
      if (!Boolean.TRUE.equals(eval(js))) {
        String state;
        try {
          state = evalString("JSON.stringify({conn: (document.getElementById('conn') || {}).textContent,"
              + " state: window.streamer && window.streamer.state(),"
              + " log: Array.from(document.querySelectorAll('#log li')).slice(0, 12).map(l => l.textContent)})");
        } catch (AssertionError e) {
          state = e.getMessage();
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + "; page: " + state);
      }
    }

    void screenshot(Path file) {
      String data = browser.call(session, "Page.captureScreenshot", new JsonObject().put("format", "png"))
          .getString("data");
      try {
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(data));
      } catch (IOException e) {
        throw new AssertionError("cannot write " + file, e);
      }
    }
  }
}
