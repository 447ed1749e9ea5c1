package io.activitystreamer.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.activitystreamer.browser.Chromium.Page;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every transport sockjs-client falls back to when WebSocket is blocked, in a real headless Chromium:
 * the page opens SockJS restricted to one transport, logs in anonymously and exchanges activities
 * with a TCP client on the same server. Skipped when chromium is not installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserTransportsTest {
  private static final long WAIT_MS = 20_000;
  private static ServerProcess server;
  private static Chromium chrome;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Chromium.binary() != null, "chromium is not installed: browser tests skipped "
        + "(scripts/test.sh installs Debian's chromium)");
    server = ServerProcess.start("t", "-lp", "0", "-hp", String.valueOf(ServerProcess.freePort()),
        "-lh", "127.0.0.1", "-s", "transports-secret");
    chrome = Chromium.launch();
  }

  @AfterAll
  static void stop() throws Exception {
    if (chrome != null) {
      chrome.console().forEach(l -> System.out.println("[browser] " + l));
      chrome.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"xhr-streaming", "xhr-polling", "eventsource", "iframe-htmlfile", "jsonp-polling",
      "iframe-xhr-polling", "iframe-eventsource", "websocket"})
  void aPageOnOneTransportExchangesActivitiesWithATcpClient(String transport) throws Exception {
    String base = "http://127.0.0.1:" + server.httpPort();
    Page page = chrome.open(base + "/");
    try (LineClient tcp = LineClient.connect(server.port())) {
      tcp.loginOk("anonymous", null);
      page.eval("window.t = {got: [], sock: new SockJS('" + base + "/sockjs', null, {transports: ['" + transport
          + "']})};"
          + "t.sock.onopen = () => t.sock.send(JSON.stringify({command: 'LOGIN', username: 'anonymous'}));"
          + "t.sock.onmessage = e => t.got.push(JSON.parse(e.data));");
      page.waitFor("t.got.some(m => m.command === 'LOGIN_SUCCESS')", WAIT_MS, "LOGIN_SUCCESS over " + transport);
      assertEquals(transport, page.evalString("t.sock.transport"), "the transport in use");

      page.eval("t.sock.send(JSON.stringify({command: 'ACTIVITY_MESSAGE', username: 'anonymous',"
          + " activity: {text: 'from the page over " + transport + "'}}))");
      JsonObject fromPage = tcp.nextMatching(j -> "ACTIVITY_BROADCAST".equals(j.getString("command")),
          Duration.ofMillis(WAIT_MS));
      assertEquals("from the page over " + transport, fromPage.getJsonObject("activity").getString("text"));

      tcp.activity("anonymous", null, new JsonObject().put("text", "from tcp"));
      page.waitFor("t.got.some(m => m.command === 'ACTIVITY_BROADCAST' && m.activity.text === 'from tcp')", WAIT_MS,
          "the TCP client's activity in the page over " + transport);
      page.eval("t.sock.close()");
    } finally {
      page.close();
    }
  }
}
