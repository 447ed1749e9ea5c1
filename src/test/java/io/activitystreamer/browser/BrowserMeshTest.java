package io.activitystreamer.browser;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.activitystreamer.browser.Chromium.Page;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The browser client in a real headless Chromium against two real servers (child JVMs): two pages and
 * one TCP client exchange activities across both servers; then the server of one page is killed, and
 * the page reconnects to the other member, resumes its session and shows what it missed, once.
 * A second test draws the mesh picture with three members, then with one of them killed (its node not
 * ALIVE, its links down). Screenshots of every step go to {@code <build>/screenshots}. Skipped when
 * chromium is not installed.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class BrowserMeshTest {
  private static final long WAIT_MS = 20_000;
  private static final String SECRET = "browser-mesh-secret";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private ServerProcess a;
  private ServerProcess b;
  private ServerProcess c;
  private Chromium chrome;
  private LineClient carol;
  private final Path shots = ServerProcess.buildDir().resolve("screenshots");

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Chromium.binary() != null, "chromium is not installed: browser tests skipped "
        + "(scripts/test.sh installs Debian's chromium)");
    a = ServerProcess.start("a", "-lp", "0", "-hp", String.valueOf(freePort()), "-lh", "127.0.0.1",
        "-s", SECRET, "-a", "300");
    b = ServerProcess.start("b", "-lp", "0", "-hp", String.valueOf(freePort()), "-lh", "127.0.0.1",
        "-s", SECRET, "-a", "300", "-rh", "127.0.0.1", "-rp", String.valueOf(a.port()));
    chrome = Chromium.launch();
  }

  @AfterEach
  void stop() throws Exception {
    if (carol != null) {
      carol.close();
    }
    if (chrome != null) {
      chrome.console().forEach(l -> System.out.println("[browser] " + l));
      chrome.close();
    }
    for (ServerProcess s : new ServerProcess[] {a, b, c}) {
      if (s != null) {
        s.close();
      }
    }
  }

  @Test
  void twoPagesAndATcpClientShareOneStreamAndAPageResumesAfterItsServerDies() throws Exception {
    Page alice = chrome.open(http(a) + "/");
    alice.waitFor("document.querySelectorAll('#mesh-members tr[data-status=ALIVE]').length === 2", WAIT_MS,
        "the mesh panel to show both servers");
    alice.waitFor("document.querySelectorAll('#mesh-picture g.node[data-status=ALIVE]').length === 2"
        + " && document.querySelectorAll('#mesh-picture line.edge[data-state=up]').length === 1"
        + " && document.querySelectorAll('#mesh-picture g.node[data-serving=true]').length === 1", WAIT_MS,
        "the mesh picture to show both servers, the link between them up, and the serving one marked");
    alice.screenshot(shots.resolve("01-page-loaded.png"));

    String aliceSecret = register(alice, "alice");
    alice.eval("document.getElementById('remember-button').click()");
    assertEquals(aliceSecret, alice.evalString("JSON.parse(localStorage.getItem('streamer.secrets')).alice"),
        "the secret is remembered in localStorage");
    alice.screenshot(shots.resolve("02-alice-registered.png"));

    Page bob = chrome.open(http(b) + "/");
    register(bob, "bob");
    awaitHttp(http(a) + "/api/mesh", j -> loadOf(j, b.port()) == 1 && loadOf(j, a.port()) == 1,
        "server a to see one client on each server");
    carol = LineClient.connect(a.port()).registerAndLogin("carol", "carol-secret");

    send(alice, "text", "hello from alice");
    send(bob, "json", "{\"type\": \"note\", \"text\": \"hello from bob\"}");
    carol.activity("carol", "carol-secret", new JsonObject().put("text", "hello from carol"));
    for (Page p : new Page[] {alice, bob}) {
      for (String t : new String[] {"hello from alice", "hello from bob", "hello from carol"}) {
        awaitShown(p, t, 1);
      }
    }
    assertEquals(Set.of("hello from alice", "hello from bob", "hello from carol"), tcpTexts(carol, 3));
    alice.waitFor("Array.from(document.querySelectorAll('#mesh-rates svg.spark')).some(e => Number(e.dataset.peak) > 0)",
        WAIT_MS, "a sparkline of activities per second above zero after the exchange");
    alice.screenshot(shots.resolve("03-exchange-alice-on-a.png"));
    bob.screenshot(shots.resolve("03-exchange-bob-on-b.png"));

    // a third client on a (2 clients) while b has 1: a redirects it to b, and the page follows
    awaitHttp(http(a) + "/api/mesh", j -> loadOf(j, a.port()) == 2 && loadOf(j, b.port()) == 1,
        "server a to see two clients on a and one on b");
    Page anon = chrome.open(http(a) + "/");
    anon.eval("document.getElementById('anon-button').click()");
    anon.waitFor("document.getElementById('conn').dataset.state === 'online'"
        + " && document.getElementById('conn').dataset.server === '" + http(b) + "'", WAIT_MS,
        "the anonymous page to follow REDIRECT to server b");
    carol.activity("carol", "carol-secret", new JsonObject().put("text", "welcome, anonymous"));
    awaitShown(anon, "welcome, anonymous", 1);
    assertTrue(anon.evalString("document.getElementById('log').textContent").contains("REDIRECT"));
    assertTrue(anon.evalString("document.getElementById('log').textContent").contains("REDIRECT's resume token"),
        "the page presents the REDIRECT's token in its next LOGIN (issue 14.6)");
    anon.screenshot(shots.resolve("03-redirected-anonymous-on-b.png"));
    tcpTexts(carol, 1);
    anon.close();
    awaitHttp(http(a) + "/api/mesh", j -> loadOf(j, b.port()) == 1, "b's load back to 1 after the page closed");

    b.kill9();
    bob.waitFor("document.getElementById('conn').dataset.state !== 'online'", WAIT_MS,
        "bob's page to notice its server died");
    bob.screenshot(shots.resolve("04-bob-server-killed.png"));
    alice.waitFor("document.querySelectorAll('#mesh-picture line.edge[data-state=up]').length === 0", WAIT_MS,
        "alice's picture to show the link to the killed server down (or the server gone)");
    alice.screenshot(shots.resolve("04-alice-picture-server-killed.png"));
    send(alice, "text", "while bob was away");
    carol.activity("carol", "carol-secret", new JsonObject().put("text", "carol during the outage"));

    bob.waitFor("document.getElementById('conn').dataset.state === 'online'"
        + " && document.getElementById('conn').dataset.server === '" + http(a) + "'", WAIT_MS,
        "bob's page to resume on server a");
    awaitShown(bob, "while bob was away", 1);
    awaitShown(bob, "carol during the outage", 1);
    send(bob, "text", "bob is back");
    awaitShown(alice, "bob is back", 1);
    assertEquals(Set.of("while bob was away", "carol during the outage", "bob is back"), tcpTexts(carol, 3));
    for (String t : new String[] {"hello from alice", "hello from bob", "hello from carol"}) {
      assertEquals(1L, shown(bob, t), "no duplicate of '" + t + "' after the resume");
    }
    bob.waitFor("!!document.querySelector('#mesh-members tr.current')", WAIT_MS, "the mesh panel of server a");
    bob.screenshot(shots.resolve("05-bob-resumed-on-a.png"));
    alice.screenshot(shots.resolve("05-alice-after-failover.png"));
    assertTrue(chrome.console().stream().noneMatch(l -> l.contains("page error")), "no page errors: "
        + chrome.console());

    // a reload of the tab resumes the same session (the secret was remembered)
    String session = alice.evalString("window.streamer.state().session");
    alice.navigate(http(a) + "/");
    alice.waitFor("document.getElementById('conn').dataset.state === 'online'", WAIT_MS, "alice online after reload");
    assertEquals(session, alice.evalString("window.streamer.state().session"), "the session resumed after reload");

    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(http(a) + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(metrics.body().matches("(?s).*\nstreamer_redirects_total [1-9].*"), metrics.body());
  }

  @Test
  void theMeshPictureShowsThreeMembersAndThenADeadMemberWithItsLinksDown() throws Exception {
    c = ServerProcess.start("c", "-lp", "0", "-hp", String.valueOf(freePort()), "-lh", "127.0.0.1",
        "-s", SECRET, "-a", "300", "-rh", "127.0.0.1", "-rp", String.valueOf(a.port()));
    Page page = chrome.open(http(a) + "/");
    page.waitFor(picture(3, 0, 3, 0), WAIT_MS, "the mesh picture to show three members, all three links up");
    page.screenshot(shots.resolve("06-mesh-three-members.png"));
    String cId = memberId(awaitHttp(http(a) + "/api/mesh", j -> memberId(j, c.port()) != null, "c in a's view"),
        c.port());

    c.kill9();
    String cNode = "document.querySelector('#mesh-picture g.node[data-id=\"" + cId + "\"]')";
    String cEdges = "Array.from(document.querySelectorAll('#mesh-picture line.edge'))"
        + ".filter(e => e.dataset.a === '" + cId + "' || e.dataset.b === '" + cId + "')";
    page.waitFor(picture(2, 1, 1, 2) + " && " + cNode + ".dataset.status !== 'ALIVE'"
        + " && " + cEdges + ".every(e => e.dataset.state === 'down')", WAIT_MS,
        "the picture to show c down (SUSPECT or DEAD) with both its links down, a-b still up");
    page.screenshot(shots.resolve("07-mesh-member-dead.png"));
    assertEquals(2L, ((Number) page.eval(cEdges + ".length")).longValue(), "c's two edges are still drawn");
  }

  /** The picture holds {@code alive} ALIVE nodes and {@code notAlive} others, {@code up} and {@code down} edges. */
  private static String picture(int alive, int notAlive, int up, int down) {
    return "document.querySelectorAll('#mesh-picture g.node[data-status=ALIVE]').length === " + alive
        + " && document.querySelectorAll('#mesh-picture g.node:not([data-status=ALIVE])').length === " + notAlive
        + " && document.querySelectorAll('#mesh-picture line.edge[data-state=up]').length === " + up
        + " && document.querySelectorAll('#mesh-picture line.edge[data-state=down]').length === " + down;
  }

  private static String memberId(JsonObject mesh, int port) {
    for (Object o : mesh.getJsonArray("members", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      if (m.getInteger("port") == port) {
        return m.getString("id");
      }
    }
    return null;
  }

  /** Registers {@code user} through the page's form (generated secret) and waits until it is online. */
  private static String register(Page page, String user) {
    page.eval("document.querySelector('.tab[data-tab=register-form]').click();"
        + "document.getElementById('register-username').value = '" + user + "';"
        + "document.getElementById('register-button').click()");
    page.waitFor("!document.getElementById('secret-box').classList.contains('hidden')"
        + " && document.getElementById('conn').dataset.state === 'online'", WAIT_MS, user + " registered and online");
    String secret = page.evalString("document.getElementById('secret-value').textContent");
    assertTrue(secret.matches("[0-9a-f]{32}"), "a generated secret is shown: " + secret);
    return secret;
  }

  private static void send(Page page, String mode, String text) {
    page.eval("document.querySelector('.mode[data-mode=" + mode + "]').click();"
        + "document.getElementById('compose-text').value = " + JsonArray.of(text).encode() + "[0];"
        + "document.getElementById('send-button').click()");
  }

  private static String countJs(String text) {
    return "Array.from(document.querySelectorAll('#stream li .content')).filter(e => e.textContent.includes("
        + JsonArray.of(text).encode() + "[0])).length";
  }

  private static void awaitShown(Page page, String text, int times) {
    page.waitFor(countJs(text) + " >= " + times, WAIT_MS, "'" + text + "' in the stream");
  }

  private static long shown(Page page, String text) {
    return ((Number) page.eval(countJs(text))).longValue();
  }

  private static Set<String> tcpTexts(LineClient c, int n) {
    Set<String> texts = new HashSet<>();
    for (int i = 0; i < n; i++) {
      JsonObject m = c.nextMatching(j -> "ACTIVITY_BROADCAST".equals(j.getString("command")), Duration.ofSeconds(20));
      texts.add(m.getJsonObject("activity").getString("text"));
    }
    return texts;
  }

  private static int loadOf(JsonObject mesh, int port) {
    for (Object o : mesh.getJsonArray("members", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      if (m.getInteger("port") == port) {
        return m.getInteger("load", -1);
      }
    }
    return -1;
  }

  private JsonObject awaitHttp(String url, Predicate<JsonObject> ok, String what) {
    return await(what).atMost(Duration.ofMillis(WAIT_MS)).until(() -> {
      try {
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofString()).body());
      } catch (java.io.IOException e) {
        return new JsonObject().put("unreachable", url + ": " + e);
      }
    }, j -> !j.containsKey("unreachable") && ok.test(j));
  }

  private static String http(ServerProcess s) {
    return "http://127.0.0.1:" + s.httpPort();
  }

  private static int freePort() {
    return ServerProcess.freePort();
  }
}
