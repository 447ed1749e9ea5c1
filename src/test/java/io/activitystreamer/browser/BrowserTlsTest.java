package io.activitystreamer.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.activitystreamer.browser.Chromium.Page;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.activitystreamer.testing.TestCerts;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The page over HTTPS in a real headless Chromium (httpTls): SockJS over WSS exchanges activities
 * with a TLS TCP client on tlsPort. Chromium trusts exactly the server's key
 * ({@code --ignore-certificate-errors-spki-list}, as it has no place for a test CA without a profile
 * database). Skipped when chromium or openssl is missing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserTlsTest {
  private static final long WAIT_MS = 20_000;

  @Test
  void thePageOverHttpsExchangesActivitiesOverWss() throws Exception {
    assumeTrue(Chromium.binary() != null, "chromium is not installed: browser tests skipped");
    assumeTrue(TestCerts.opensslAvailable(), "openssl is not installed: TLS tests skipped");
    Path dir = Files.createTempDirectory(Files.createDirectories(ServerProcess.buildDir().resolve("tls-test")), "browser");
    TestCerts.generate(dir, "web");
    Map<String, String> env = Map.of("STREAMER_TLS_CERT_FILE", dir.resolve("web.pem").toString(),
        "STREAMER_TLS_KEY_FILE", dir.resolve("web.key").toString(), "STREAMER_HTTP_TLS", "true",
        "STREAMER_TLS_PORT", String.valueOf(ServerProcess.freePort()));
    byte[] spki = TestCerts.read(dir.resolve("web.pem")).getPublicKey().getEncoded();
    String pin = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    try (ServerProcess server = ServerProcess.launch("https", env, "-lp", "0", "-hp",
            String.valueOf(ServerProcess.freePort()), "-lh", "127.0.0.1", "-s", "https-secret");
         Chromium chrome = Chromium.launch(List.of("--ignore-certificate-errors-spki-list=" + pin))) {
      server.awaitPort(ServerProcess.START_WAIT);
      String base = "https://localhost:" + server.httpPort();
      Page page = chrome.open(base + "/");
      try (LineClient tcp = LineClient.over(TestCerts.connect(dir.resolve("ca.pem"), server.tlsPort()))) {
        tcp.loginOk("anonymous", null);
        assertEquals("https:", page.evalString("location.protocol"));
        page.eval("window.t = {got: [], sock: new SockJS('" + base + "/sockjs', null, {transports: ['websocket']})};"
            + "t.sock.onopen = () => t.sock.send(JSON.stringify({command: 'LOGIN', username: 'anonymous'}));"
            + "t.sock.onmessage = e => t.got.push(JSON.parse(e.data));");
        page.waitFor("t.got.some(m => m.command === 'LOGIN_SUCCESS')", WAIT_MS, "LOGIN_SUCCESS over wss");
        String url = page.evalString("t.sock._transport && t.sock._transport.url");
        assertTrue(url.startsWith("wss://localhost:" + server.httpPort() + "/sockjs/"), "the WebSocket URL: " + url);

        page.eval("t.sock.send(JSON.stringify({command: 'ACTIVITY_MESSAGE', username: 'anonymous',"
            + " activity: {text: 'from the page over wss'}}))");
        JsonObject fromPage = tcp.nextMatching(j -> "ACTIVITY_BROADCAST".equals(j.getString("command")),
            Duration.ofMillis(WAIT_MS));
        assertEquals("from the page over wss", fromPage.getJsonObject("activity").getString("text"));
        tcp.activity("anonymous", null, new JsonObject().put("text", "from tls tcp"));
        page.waitFor("t.got.some(m => m.command === 'ACTIVITY_BROADCAST' && m.activity.text === 'from tls tcp')",
            WAIT_MS, "the TLS client's activity in the page");
        page.eval("t.sock.close()");
      } finally {
        chrome.console().forEach(l -> System.out.println("[browser] " + l));
        page.close();
      }
    }
  }
}
