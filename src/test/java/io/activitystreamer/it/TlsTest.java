package io.activitystreamer.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.mesh.MeshAuth;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.activitystreamer.testing.TestCerts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS end to end with real processes and certificates made by gen-certs (issue 13): a
 * three-server mesh whose links are mutual TLS exchanging activities with a JDK TLS client on a
 * tlsPort, the terminal client with --tls --ca and a plaintext client on -lp; a certificate replaced
 * while running served to the next connection (TLS port and HTTPS); peers with a certificate of
 * another CA, or trusting another CA, never linked, and the log says why.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SECRET = "tls-mesh-secret";
  private static Path certs;
  private static Path rogue;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws IOException {
    Path base = Files.createDirectories(ServerProcess.buildDir().resolve("tls-test"));
    certs = Files.createTempDirectory(base, "mesh");
    rogue = Files.createTempDirectory(base, "rogue");
    var other = java.util.concurrent.CompletableFuture.runAsync(() -> TestCerts.generate(rogue, "rogue"));
    TestCerts.generate(certs, "s1", "s2", "s3", "r1");
    other.join();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private static Map<String, String> tlsEnv(Path dir, String cert, Path ca, boolean mesh, int tlsPort) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("STREAMER_TLS_CERT_FILE", dir.resolve(cert + ".pem").toString());
    env.put("STREAMER_TLS_KEY_FILE", dir.resolve(cert + ".key").toString());
    env.put("STREAMER_TLS_CA_FILE", ca.resolve("ca.pem").toString());
    env.put("STREAMER_TLS_PORT", String.valueOf(tlsPort));
    env.put("STREAMER_MESH_TLS", String.valueOf(mesh));
    return env;
  }

  private ServerProcess launch(String name, Map<String, String> env, String... extra) {
    List<String> args = new ArrayList<>(List.of("-lp", String.valueOf(ServerProcess.freePort()), "-lh", "127.0.0.1",
        "-hp", String.valueOf(ServerProcess.freePort()), "-s", SECRET, "-a", "300"));
    args.addAll(List.of(extra));
    ServerProcess p = ServerProcess.launch(name, env, args.toArray(new String[0]));
    open.add(p);
    return p;
  }

  private ServerProcess server(String name, Map<String, String> env, String... extra) {
    ServerProcess p = launch(name, env, extra);
    p.awaitPort(ServerProcess.START_WAIT);
    return p;
  }

  private LineClient tlsClient(int port) {
    LineClient c = LineClient.over(TestCerts.connect(certs.resolve("ca.pem"), port));
    open.add(c);
    return c;
  }

  private LineClient plainClient(int port) {
    LineClient c = LineClient.connect(port);
    open.add(c);
    return c;
  }

  private static JsonObject get(String url, HttpClient http) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("GET " + url + ": " + e, e);
    }
  }

  private static JsonObject apiMesh(ServerProcess s) {
    return get("http://127.0.0.1:" + s.httpPort() + "/api/mesh", HttpClient.newHttpClient());
  }

  /** Members of {@code s}'s view (itself included) that are linked to it. */
  private static int linked(ServerProcess s) {
    return linked(apiMesh(s));
  }

  /** How many members of this /api/mesh answer are linked (itself included). */
  private static int linked(JsonObject mesh) {
    JsonArray members = mesh.getJsonArray("members");
    int n = 0;
    for (int i = 0; i < members.size(); i++) {
      if (members.getJsonObject(i).getBoolean("linked", false)) {
        n++;
      }
    }
    return n;
  }

  private static JsonObject broadcastWith(LineClient c, String text) {
    return c.nextMatching(j -> "ACTIVITY_BROADCAST".equals(j.getString("command"))
        && text.equals(j.getJsonObject("activity").getString("text")), WAIT);
  }

  @Test
  void aMeshOverMutualTlsCarriesActivitiesBetweenTlsAndPlaintextClients() {
    ServerProcess s1 = server("tls-s1", tlsEnv(certs, "s1", certs, true, ServerProcess.freePort()));
    ServerProcess s2 = server("tls-s2", tlsEnv(certs, "s2", certs, true, ServerProcess.freePort()),
        "-rh", "127.0.0.1", "-rp", String.valueOf(s1.tlsPort()));
    ServerProcess s3 = server("tls-s3", tlsEnv(certs, "s3", certs, true, ServerProcess.freePort()),
        "-rh", "127.0.0.1", "-rp", String.valueOf(s2.tlsPort()));
    // s3 learned s1 from s2 and dialled it on its announced tlsPort
    for (ServerProcess s : List.of(s1, s2, s3)) {
      await(s + " linked to both others").atMost(WAIT).until(() -> apiMesh(s), mesh -> linked(mesh) == 3);
    }
    JsonObject self = apiMesh(s1).getJsonArray("members").getJsonObject(0);
    assertEquals(s1.tlsPort(), self.getInteger("tlsPort"), "the member list carries the TLS port: " + self.encode());

    LineClient plain = plainClient(s1.port()).loginOk("anonymous", null);
    LineClient tls = tlsClient(s3.tlsPort()).loginOk("anonymous", null);
    tls.activity("anonymous", null, new JsonObject().put("text", "over tls from s3"));
    broadcastWith(plain, "over tls from s3");
    plain.activity("anonymous", null, new JsonObject().put("text", "plaintext from s1"));
    broadcastWith(tls, "plaintext from s1");

    try (ServerProcess term = ServerProcess.launch("tls-terminal", Map.of(), "client", "-rh", "127.0.0.1",
        "-rp", String.valueOf(s2.tlsPort()), "--tls", "--ca", certs.resolve("ca.pem").toString())) {
      term.awaitOutput("logged in as anonymous on 127.0.0.1:" + s2.tlsPort(), WAIT);
      term.writeLine("hello from the terminal over tls");
      broadcastWith(plain, "hello from the terminal over tls");
      broadcastWith(tls, "hello from the terminal over tls");
      tls.activity("anonymous", null, new JsonObject().put("text", "to the terminal"));
      term.awaitOutput("anonymous: to the terminal", WAIT);
    }
    // a client on TLS learns the members' TLS addresses, and is redirected only to a TLS port
    LineClient resumer = tlsClient(s1.tlsPort());
    resumer.send(new JsonObject().put("command", "LOGIN").put("username", "anonymous")
        .put("resume", new JsonObject()));
    JsonArray members = resumer.expect("LOGIN_SUCCESS").getJsonArray("members");
    assertEquals(java.util.Set.of("127.0.0.1:" + s1.tlsPort(), "127.0.0.1:" + s2.tlsPort(), "127.0.0.1:" + s3.tlsPort()),
        new java.util.HashSet<>(members.getList()), "TLS members: " + members.encode());
    JsonObject[] redirect = new JsonObject[1];
    await("a TLS client logging in on a loaded s1 is redirected").atMost(WAIT).until(() -> {
      LineClient c = tlsClient(s1.tlsPort()).loginOk("anonymous", null);
      JsonObject r = c.quietFor(Duration.ofMillis(700)) ? null : c.next();
      redirect[0] = r != null && "REDIRECT".equals(r.getString("command")) ? r : null;
      return redirect[0] != null;
    });
    int to = redirect[0].getInteger("port");
    assertTrue(to == s2.tlsPort() || to == s3.tlsPort(), "REDIRECT names a TLS port: " + redirect[0].encode());
    tlsClient(to).loginOk("anonymous", null);

    // the mesh handshake on the plaintext port is refused while meshTls is on
    LineClient fake = plainClient(s1.port());
    fake.send(new JsonObject().put("command", "AUTHENTICATE").put("version", MeshAuth.VERSION)
        .put("nonce", MeshAuth.nonce()).put("id", "fake#1").put("name", "fake").put("hostname", "127.0.0.1")
        .put("port", 1));
    JsonObject refused = fake.expect("AUTHENTICATION_FAIL");
    assertTrue(refused.getString("info").contains("meshTls"), refused.encode());
    assertEquals(3, apiMesh(s1).getJsonArray("members").size(), "membership unchanged");

    // a member's certificate replaced: its dialler and its TLS port both take it, no link is lost
    TestCerts.generate(certs, "s3");
    s3.awaitOutput("TLS certificate reloaded for mesh links", WAIT);
    BigInteger renewed = TestCerts.read(certs.resolve("s3.pem")).getSerialNumber();
    await("s3 serves its new certificate").atMost(WAIT)
        .until(() -> servedByAll(certs.resolve("ca.pem"), s3.tlsPort(), renewed));
    assertEquals(3, linked(s3), apiMesh(s3).encode());
  }

  @Test
  void aReplacedCertificateIsServedToTheNextConnection() throws Exception {
    Path dir = certs; // r1 is this test's own certificate
    Map<String, String> env = tlsEnv(dir, "r1", dir, false, ServerProcess.freePort());
    env.put("STREAMER_HTTP_TLS", "true");
    ServerProcess s = server("tls-reload", env);
    Path ca = dir.resolve("ca.pem");
    BigInteger first = TestCerts.read(dir.resolve("r1.pem")).getSerialNumber();
    assertEquals(first, TestCerts.servedSerial(ca, s.tlsPort()));
    assertEquals(first, TestCerts.servedSerial(ca, s.httpPort()));
    LineClient before = tlsClient(s.tlsPort()).loginOk("anonymous", null);

    TestCerts.generate(dir, "r1");
    BigInteger second = TestCerts.read(dir.resolve("r1.pem")).getSerialNumber();
    assertNotEquals(first, second);
    // every gateway instance (connections go round robin) serves the new one
    await("the new certificate on the TLS port").atMost(WAIT).until(() -> servedByAll(ca, s.tlsPort(), second));
    await("the new certificate on HTTPS").atMost(WAIT).until(() -> servedByAll(ca, s.httpPort(), second));

    // HTTPS answers with the new certificate; the connection opened before keeps working
    SSLContext trust = TestCerts.trusting(ca);
    JsonObject health = get("https://localhost:" + s.httpPort() + "/health",
        HttpClient.newBuilder().sslContext(trust).build());
    assertEquals("UP", health.getString("status"), health.encode());
    LineClient after = tlsClient(s.tlsPort()).loginOk("anonymous", null);
    after.activity("anonymous", null, new JsonObject().put("text", "after the reload"));
    broadcastWith(before, "after the reload");

    // a file replaced by one that is not a certificate: logged, the current certificate stays in use
    Path broken = dir.resolve("r1.pem.tmp");
    Files.writeString(broken, "not a certificate\n");
    Files.move(broken, dir.resolve("r1.pem"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    String refused = s.awaitOutput("TLS files changed but cannot be loaded", WAIT);
    assertTrue(refused.contains("tlsCertFile") && refused.contains("is not PEM"), refused);
    assertEquals(second, TestCerts.servedSerial(ca, s.tlsPort()));

    // a bad line over TLS: INVALID_MESSAGE, then a clean end of the TLS stream
    LineClient bad = tlsClient(s.tlsPort());
    bad.sendRaw("not json\n");
    bad.expect("INVALID_MESSAGE");
    bad.awaitClosed();

    // classic AUTHENTICATE {secret} is accepted on a TLS link (meshClassicAuth is off): announcements follow
    LineClient classic = tlsClient(s.tlsPort());
    classic.send(new JsonObject().put("command", "AUTHENTICATE").put("secret", SECRET));
    classic.nextMatching(j -> "SERVER_ANNOUNCE".equals(j.getString("command")), WAIT);
    LineClient classicPlain = plainClient(s.port());
    classicPlain.send(new JsonObject().put("command", "AUTHENTICATE").put("secret", SECRET));
    classicPlain.expect("AUTHENTICATION_FAIL");
  }

  private static boolean servedByAll(Path ca, int port, BigInteger serial) {
    for (int i = 0; i < 4; i++) {
      if (!serial.equals(TestCerts.servedSerial(ca, port))) {
        return false;
      }
    }
    return true;
  }

  @Test
  void peersOfAnotherCaAreNeverLinked() {
    ServerProcess s1 = server("tls-ca1", tlsEnv(certs, "s1", certs, true, ServerProcess.freePort()));
    // a certificate of another CA (trusting ours): s1 refuses it in the handshake or, when the dialler
    // offers no certificate at all (the JDK picks none whose issuer s1 did not ask for), at AUTHENTICATE
    ServerProcess intruder = launch("tls-intruder", tlsEnv(rogue, "rogue", certs, true, ServerProcess.freePort()),
        "-rh", "127.0.0.1", "-rp", String.valueOf(s1.tlsPort()));
    String why = s1.awaitLine(l -> l.contains("TLS connection on port " + s1.tlsPort() + " failed")
        || l.contains("AUTHENTICATION_FAIL") && l.contains("with a certificate signed by the mesh CA"), WAIT);
    // our certificate, trusting another CA only: it refuses s1's certificate and says so
    ServerProcess distrustful = launch("tls-distrustful", tlsEnv(certs, "s2", rogue, true, ServerProcess.freePort()),
        "-rh", "127.0.0.1", "-rp", String.valueOf(s1.tlsPort()));
    String dialler = distrustful.awaitOutput("TLS handshake with 127.0.0.1:" + s1.tlsPort() + " failed", WAIT);
    System.out.println("acceptor: " + why + "\ndialler: " + dialler);
    assertEquals(1, apiMesh(s1).getJsonArray("members").size(), "no member joined: " + apiMesh(s1).encode());
    assertFalse(intruder.output().contains("joined the mesh"), intruder.output());
    assertFalse(distrustful.output().contains("joined the mesh"), distrustful.output());
  }
}
