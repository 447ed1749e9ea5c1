package io.activitystreamer.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.mesh.MeshAuth;
import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mesh authentication against real server processes (issue 13): fake members on plain sockets check
 * that the secret never crosses the wire, that nothing a peer sends is acted on before its proof
 * checks, that a recorded handshake cannot be replayed, that classic AUTHENTICATE {secret} needs
 * meshClassicAuth, and that announcements are checked against the link they arrive on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MeshAuthTest {
  private static final String SECRET = "s3cr3t-of-the-mesh-42";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private final Map<ServerProcess, Integer> httpPorts = new java.util.HashMap<>();

  private ServerProcess server(String name, Map<String, String> env, String... extra) {
    ServerProcess p = launch(name, env, extra);
    p.awaitPort(ServerProcess.START_WAIT);
    return p;
  }

  /** Starts a server without waiting for it to listen (a joining server listens once joined). */
  private ServerProcess launch(String name, Map<String, String> env, String... extra) {
    return launch(name, env, List.of(), extra);
  }

  private ServerProcess launch(String name, Map<String, String> env, List<String> jvmOpts, String... extra) {
    int http = ServerProcess.freePort();
    List<String> args = new ArrayList<>(List.of("-lp", String.valueOf(ServerProcess.freePort()), "-lh", "127.0.0.1",
        "-hp", String.valueOf(http), "-s", SECRET, "-a", "200"));
    args.addAll(List.of(extra));
    Map<String, String> e = new java.util.HashMap<>(Map.of("STREAMER_SERVER_ID", name,
        "STREAMER_SECRET_HASH_ITERATIONS", "500", "STREAMER_GATEWAY_INSTANCES", "1",
        "STREAMER_SUSPICION_MILLIS", "30000"));
    e.putAll(env);
    ServerProcess p = ServerProcess.launch(name, e, jvmOpts, args.toArray(new String[0]));
    open.add(p);
    httpPorts.put(p, http);
    return p;
  }

  private LineClient client(int port) {
    LineClient c = LineClient.connect(port);
    open.add(c);
    return c;
  }

  // ---- the server dials a fake member ----

  @Test
  void dialledServerNeverSendsTheSecretAndActsOnNoUnprovedWelcome() throws Exception {
    try (ServerSocket fake = new ServerSocket()) {
      fake.bind(new InetSocketAddress("127.0.0.1", 0));
      ServerProcess s = launch("d1", Map.of(), "-rh", "127.0.0.1", "-rp", String.valueOf(fake.getLocalPort()));
      fake.setSoTimeout((int) WAIT.toMillis());

      // 1. a MESH_WELCOME (with a snapshot) instead of the challenge: refused, nothing installed
      try (Wire w = new Wire(fake.accept())) {
        JsonObject auth = w.readJson();
        assertEquals("AUTHENTICATE", auth.getString("command"));
        assertNull(auth.getValue("secret"), auth.encode());
        assertEquals(MeshAuth.VERSION, auth.getInteger("version"));
        assertTrue(MeshAuth.validNonce(auth.getString("nonce")), auth.encode());
        w.send(new JsonObject().put("command", "MESH_WELCOME").put("id", "fake#1").put("name", "fake")
            .put("hostname", "127.0.0.1").put("port", fake.getLocalPort()).put("members", new JsonArray())
            .put("snapshot", new JsonObject()));
        assertEquals("AUTHENTICATION_FAIL", w.readJson().getString("command"));
        w.awaitEof();
        w.assertNeverSent(SECRET);
      }
      // 2. a challenge with a wrong proof: refused, no AUTH_PROOF given away
      try (Wire w = new Wire(fake.accept())) {
        JsonObject auth = w.readJson();
        w.send(new JsonObject().put("command", "AUTH_CHALLENGE").put("nonce", MeshAuth.nonce()).put("id", "fake#1")
            .put("proof", MeshAuth.proof(MeshAuth.key("not-" + SECRET), MeshAuth.ROLE_SERVER, auth.getString("nonce"),
                MeshAuth.nonce(), auth.getString("id"), "fake#1")));
        JsonObject r = w.readJson();
        assertEquals("AUTHENTICATION_FAIL", r.getString("command"), r.encode());
        w.awaitEof();
        w.assertNeverSent(SECRET);
      }
      // 3. a right challenge: the dialler's AUTH_PROOF checks, and still no secret on the wire
      try (Wire w = new Wire(fake.accept())) {
        JsonObject auth = w.readJson();
        String ns = MeshAuth.nonce();
        byte[] key = MeshAuth.key(SECRET);
        w.send(new JsonObject().put("command", "AUTH_CHALLENGE").put("nonce", ns).put("id", "fake#1")
            .put("proof", MeshAuth.proof(key, MeshAuth.ROLE_SERVER, auth.getString("nonce"), ns, auth.getString("id"),
                "fake#1")));
        JsonObject proof = w.readJson();
        assertEquals("AUTH_PROOF", proof.getString("command"));
        assertTrue(MeshAuth.verify(key, proof.getString("proof"), MeshAuth.ROLE_CLIENT, auth.getString("nonce"), ns,
            auth.getString("id"), "fake#1"));
        w.assertNeverSent(SECRET);
      }
      JsonObject mesh = apiMesh(s);
      assertFalse(mesh.getBoolean("joined"), "nothing of the unproved welcome was installed: " + mesh.encode());
      assertEquals(1, mesh.getJsonArray("members").size(), "membership unchanged: " + mesh.encode());
      assertFalse(s.output().contains(SECRET), "the secret is never logged");
    }
  }

  // ---- fake peers connecting to a real server ----

  @Test
  void classicAuthenticateIsRefusedWhileTheSwitchIsOff() {
    ServerProcess s = server("c1", Map.of());
    LineClient c = client(s.port());
    c.send(LineClient.command("AUTHENTICATE").put("secret", SECRET));
    JsonObject r = c.expect("AUTHENTICATION_FAIL");
    assertTrue(r.getString("info").contains("classic"), r.encode());
    assertFalse(r.getString("info").contains(SECRET), r.encode());
    c.awaitClosed();
    assertServes(s);
  }

  @Test
  void classicAuthenticateIsAcceptedWithMeshClassicAuth() {
    ServerProcess s = server("c2", Map.of("STREAMER_MESH_CLASSIC_AUTH", "true"));
    LineClient c = client(s.port());
    c.send(LineClient.command("AUTHENTICATE").put("secret", SECRET));
    // the link is up: an announcement comes (a digest may come first: both are sent when a link comes up)
    JsonObject a = c.nextMatching(m -> "SERVER_ANNOUNCE".equals(m.getString("command")), WAIT);
    assertEquals(s.port(), a.getInteger("port"));
    c.send(LineClient.command("AUTHENTICATE").put("secret", SECRET));
    c.nextMatching(m -> "INVALID_MESSAGE".equals(m.getString("command")), WAIT);
    c.awaitClosedIgnoringLines(WAIT);
    assertFalse(s.output().contains(SECRET), "the secret is never logged");
  }

  @Test
  void memberDeadBeforeTheProofIsRefusedAndTheServerKeepsServing() {
    ServerProcess s = server("m1", Map.of());
    LineClient watcher = client(s.port());
    watcher.loginOk("anonymous", null);
    LineClient peer = client(s.port());
    peer.send(authenticate(MeshAuth.nonce(), "fake#1", 1));
    JsonObject ch = peer.expect("AUTH_CHALLENGE");
    // the server's own id: acted on, this verdict would make it rejoin and drop its clients
    peer.send(LineClient.command("MEMBER_DEAD").put("id", ch.getString("id")));
    peer.expect("AUTHENTICATION_FAIL");
    peer.awaitClosed();

    LineClient wrong = client(s.port());
    wrong.send(authenticate(MeshAuth.nonce(), "fake#2", 1));
    wrong.expect("AUTH_CHALLENGE");
    wrong.send(LineClient.command("AUTH_PROOF").put("proof", "AAAA"));
    JsonObject r = wrong.expect("AUTHENTICATION_FAIL");
    assertTrue(r.getString("info").contains("proof"), r.encode());
    wrong.awaitClosed();

    assertServes(s);
    watcher.activity("anonymous", null, new JsonObject().put("still", "here"));
    assertEquals("here", watcher.nextActivity().getString("still"), "the watcher was not dropped");
    JsonObject mesh = apiMesh(s);
    assertTrue(mesh.getBoolean("joined"));
    assertEquals(1, mesh.getJsonArray("members").size(), mesh.encode());
  }

  @Test
  void aReplayedHandshakeFails() throws Exception {
    ServerProcess a = server("r1", Map.of());
    try (Relay relay = new Relay(a.port())) {
      ServerProcess b = server("r2", Map.of(), "-rh", "127.0.0.1", "-rp", String.valueOf(relay.port()));
      a.awaitOutput("authenticated", WAIT);
      await("b's AUTHENTICATE and AUTH_PROOF recorded").atMost(WAIT).until(() -> relay.diallerLines().size() >= 2);
      List<String> recorded = relay.diallerLines();
      assertEquals("AUTHENTICATE", new JsonObject(recorded.get(0)).getString("command"));
      assertEquals("AUTH_PROOF", new JsonObject(recorded.get(1)).getString("command"));
      assertFalse(relay.allBytes().contains(SECRET), "the secret never crossed the wire between a and b");

      LineClient replay = client(a.port());
      replay.sendRaw(recorded.get(0) + "\n");
      JsonObject ch = replay.expect("AUTH_CHALLENGE");
      assertNotEquals(relay.firstChallengeNonce(), ch.getString("nonce"), "a fresh nonce");
      replay.sendRaw(recorded.get(1) + "\n");
      replay.expect("AUTHENTICATION_FAIL");
      replay.awaitClosed();
      assertServes(b);
    }
  }

  /** Before its proof a peer gets handshake-sized lines only (64 KiB), not the 129 MiB of a proven one. */
  @Test
  void anUnprovedPeerCannotMakeTheServerBufferALongLine() {
    ServerProcess s = server("big1", Map.of());
    LineClient peer = client(s.port());
    peer.send(authenticate(MeshAuth.nonce(), "zbig#1", ServerProcess.freePort()));
    peer.expect("AUTH_CHALLENGE");
    peer.send(LineClient.command("AUTH_PROOF").put("proof", "x".repeat(100 * 1024)));
    JsonObject r = peer.nextMatching(m -> "INVALID_MESSAGE".equals(m.getString("command")), WAIT);
    assertTrue(r.getString("info").contains("longer than"), r.encode());
    peer.awaitClosedIgnoringLines(WAIT);
    assertServes(s);
  }

  /** The join snapshot travels as MESH_SNAPSHOT parts (here of 256 characters each) and is installed whole. */
  @Test
  void aJoinSnapshotInManyPartsIsInstalledWhole() {
    ServerProcess seed = launch("part1", Map.of(), List.of("-Dstreamer.snapshotPartChars=256"));
    seed.awaitPort(ServerProcess.START_WAIT);
    LineClient c = client(seed.port());
    for (int i = 0; i < 20; i++) {
      c.register("parted" + i, "pw" + i).expect("REGISTER_SUCCESS");
    }
    ServerProcess joiner = launch("part2", Map.of(), "-rh", "127.0.0.1", "-rp", String.valueOf(seed.port()));
    joiner.awaitPort(ServerProcess.START_WAIT); // it listens once joined, i.e. after the snapshot is installed
    for (int i = 0; i < 20; i += 7) {
      LineClient d = client(joiner.port());
      d.login("parted" + i, "pw" + i).expect("LOGIN_SUCCESS");
    }
  }

  @Test
  void announcementsAreCheckedAgainstTheLinkedMember() {
    ServerProcess s = server("l1", Map.of());
    int fakePort = ServerProcess.freePort();
    LineClient peer = client(s.port());
    handshake(peer, "zfake#1", fakePort);
    peer.expect("MESH_WELCOME");

    peer.send(announce("zfake#1", -1000, fakePort));
    s.awaitOutput("load -1000 is not 0..", WAIT);
    peer.send(announce("zfake#1", 20001, fakePort));
    s.awaitOutput("load 20001 is not 0..20000 (maxConnections)", WAIT);
    peer.send(announce("zfake#1", 0, fakePort + 1));
    s.awaitOutput("is not the member's 127.0.0.1:" + fakePort, WAIT);

    // one client on s, the fake at load 0: no redirect (at -1000 there would be one)
    LineClient c = client(s.port());
    c.loginOk("anonymous", null);
    c.activity("anonymous", null, new JsonObject().put("n", 1));
    assertEquals(1, c.nextActivity().getInteger("n"), "the client was not redirected");
    JsonObject fake = member(apiMesh(s), "zfake#1");
    assertEquals(0, fake.getInteger("load"), fake.encode());
    assertEquals(fakePort, fake.getInteger("port"), fake.encode());

    peer.send(authenticate(MeshAuth.nonce(), "zfake#1", fakePort));
    peer.nextMatching(m -> "INVALID_MESSAGE".equals(m.getString("command")), WAIT);
    peer.awaitClosedIgnoringLines(WAIT);
  }

  // ---- helpers ----

  /** The dialler's side of the handshake with the real secret; the acceptor's proof is checked. */
  private static void handshake(LineClient peer, String id, int port) {
    String nc = MeshAuth.nonce();
    peer.send(authenticate(nc, id, port));
    JsonObject ch = peer.expect("AUTH_CHALLENGE");
    byte[] key = MeshAuth.key(SECRET);
    assertTrue(MeshAuth.verify(key, ch.getString("proof"), MeshAuth.ROLE_SERVER, nc, ch.getString("nonce"), id,
        ch.getString("id")), "the server's proof checks");
    peer.send(LineClient.command("AUTH_PROOF").put("proof",
        MeshAuth.proof(key, MeshAuth.ROLE_CLIENT, nc, ch.getString("nonce"), id, ch.getString("id"))));
  }

  private static JsonObject authenticate(String nonce, String id, int port) {
    return LineClient.command("AUTHENTICATE").put("version", MeshAuth.VERSION).put("nonce", nonce).put("id", id)
        .put("name", id.substring(0, id.indexOf('#'))).put("hostname", "127.0.0.1").put("port", port)
        .put("join", false);
  }

  private static JsonObject announce(String id, int load, int port) {
    return LineClient.command("SERVER_ANNOUNCE").put("id", id).put("name", id.substring(0, id.indexOf('#')))
        .put("load", load).put("hostname", "127.0.0.1").put("port", port).put("members", new JsonArray());
  }

  private void assertServes(ServerProcess s) {
    LineClient c = client(s.port());
    c.loginOk("anonymous", null);
  }

  private static JsonObject member(JsonObject mesh, String id) {
    for (Object o : mesh.getJsonArray("members")) {
      if (id.equals(((JsonObject) o).getString("id"))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no member " + id + " in " + mesh.encode());
  }

  private JsonObject apiMesh(ServerProcess s) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPorts.get(s) + "/api/mesh")).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("GET /api/mesh: " + e, e);
    }
  }

  /** A plain accepted socket read line by line, keeping every byte received. */
  private static final class Wire implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream all = new ByteArrayOutputStream();

    Wire(Socket socket) throws IOException {
      this.socket = socket;
      socket.setSoTimeout((int) WAIT.toMillis());
      this.in = socket.getInputStream();
    }

    JsonObject readJson() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) {
          throw new AssertionError("closed before a line; received: " + all.toString(StandardCharsets.UTF_8));
        }
        all.write(b);
        line.write(b);
      }
      all.write(b);
      return new JsonObject(line.toString(StandardCharsets.UTF_8));
    }

    void send(JsonObject msg) throws IOException {
      socket.getOutputStream().write((msg.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void awaitEof() throws IOException {
      try {
        int b;
        while ((b = in.read()) >= 0) {
          all.write(b);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server did not close the link", e);
      }
    }

    void assertNeverSent(String secret) {
      assertFalse(all.toString(StandardCharsets.UTF_8).contains(secret), "the secret was sent: " + all);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Forwards one dialled connection to a server, recording both directions. */
  private static final class Relay implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket();
    private final ByteArrayOutputStream fromDialler = new ByteArrayOutputStream();
    private final ByteArrayOutputStream fromAcceptor = new ByteArrayOutputStream();
    private final List<Socket> sockets = new ArrayList<>();

    Relay(int target) throws IOException {
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      Thread t = new Thread(() -> {
        try {
          Socket d = listener.accept();
          Socket a = new Socket("127.0.0.1", target);
          synchronized (sockets) {
            sockets.add(d);
            sockets.add(a);
          }
          pump(d.getInputStream(), a.getOutputStream(), fromDialler);
          pump(a.getInputStream(), d.getOutputStream(), fromAcceptor);
        } catch (IOException e) {
          // closed
        }
      }, "relay");
      t.setDaemon(true);
      t.start();
    }

    private static void pump(InputStream in, OutputStream out, ByteArrayOutputStream record) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        try {
          int n;
          while ((n = in.read(buf)) > 0) {
            synchronized (record) {
              record.write(buf, 0, n);
            }
            out.write(buf, 0, n);
          }
        } catch (IOException e) {
          // closed
        }
      }, "relay-pump");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    /** Complete lines the dialler sent so far. */
    List<String> diallerLines() {
      String text;
      synchronized (fromDialler) {
        text = fromDialler.toString(StandardCharsets.UTF_8);
      }
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      lines.remove(lines.size() - 1);
      return lines;
    }

    String firstChallengeNonce() {
      String text;
      synchronized (fromAcceptor) {
        text = fromAcceptor.toString(StandardCharsets.UTF_8);
      }
      return new JsonObject(text.substring(0, text.indexOf('\n'))).getString("nonce");
    }

    String allBytes() {
      synchronized (fromDialler) {
        synchronized (fromAcceptor) {
          return fromDialler.toString(StandardCharsets.UTF_8) + fromAcceptor.toString(StandardCharsets.UTF_8);
        }
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
