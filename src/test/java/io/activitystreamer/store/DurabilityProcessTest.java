package io.activitystreamer.store;

import static io.activitystreamer.testing.LineClient.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.LineClient;
import io.activitystreamer.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One server on a data directory, as a real process: kill -9 and restart keep users and a detached
 * session's backlog; a directory in use, written with another secret, or damaged stops start-up with a
 * message naming it.
 */
@Timeout(120)
class DurabilityProcessTest {
  private static final String SECRET = "durable-secret";
  private static final Duration WAIT = Duration.ofSeconds(30);

  static Path freshDir(String name) throws IOException {
    Path dir = ServerProcess.buildDir().resolve("durability").resolve(name + "-" + System.nanoTime());
    Files.createDirectories(dir.getParent());
    return dir;
  }

  private static ServerProcess start(String name, Path dir, String... more) {
    List<String> args = new ArrayList<>(List.of("-lp", String.valueOf(ServerProcess.freePort()), "-hp", "0",
        "-lh", "127.0.0.1", "-s", SECRET, "-d", dir.toString()));
    args.addAll(List.of(more));
    return ServerProcess.start(name, args.toArray(new String[0]));
  }

  private static JsonObject resumeLogin(LineClient c, String user, String secret, JsonObject resume) {
    return c.send(command("LOGIN").put("username", user).put("secret", secret).put("resume", resume))
        .expect("LOGIN_SUCCESS");
  }

  @Test
  void killNineKeepsUsersAndTheBacklogOfADetachedSession() throws IOException {
    Path dir = freshDir("kill9");
    try (ServerProcess s = start("durable-a", dir)) {
      assertTrue(s.output().contains("data in " + dir.toAbsolutePath().normalize()), s.output());
      String session;
      JsonObject received = new JsonObject();
      List<JsonObject> owed = new ArrayList<>();
      try (LineClient sender = LineClient.connect(s.port())) {
        sender.registerAndLogin("d-sender", "s");
        for (int i = 0; i < 5; i++) {
          try (LineClient c = LineClient.connect(s.port())) {
            c.register("d-user" + i, "pw" + i).expect("REGISTER_SUCCESS");
          }
        }
        try (LineClient reader = LineClient.connect(s.port())) {
          reader.register("d-reader", "r").expect("REGISTER_SUCCESS");
          session = resumeLogin(reader, "d-reader", "r", new JsonObject()).getString("session");
          for (int n = 1; n <= 3; n++) {
            sender.activity("d-sender", "s", new JsonObject().put("n", n));
            assertEquals(n, sender.nextActivity().getInteger("n"));
            JsonObject eid = reader.expect("ACTIVITY_BROADCAST").getJsonObject("eid");
            received.put(eid.getString("origin"), eid.getLong("n"));
          }
        }
        for (int n = 4; n <= 8; n++) {
          sender.activity("d-sender", "s", new JsonObject().put("n", n));
          owed.add(sender.nextActivity()); // echoed: on disk by the durability policy (batch)
        }
      }
      s.kill9();
      s.restart();
      assertTrue(s.output().contains("recovered from"), s.output());
      for (int i = 0; i < 5; i++) {
        try (LineClient c = LineClient.connect(s.port())) {
          c.loginOk("d-user" + i, "pw" + i);
        }
        try (LineClient c = LineClient.connect(s.port())) {
          c.login("d-user" + i, "wrong").expect("LOGIN_FAILED");
        }
      }
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("d-user0", "other").expect("REGISTER_FAILED");
      }
      try (LineClient reader = LineClient.connect(s.port());
           LineClient sender = LineClient.connect(s.port())) {
        JsonObject ok = resumeLogin(reader, "d-reader", "r", new JsonObject().put("session", session)
            .put("received", received));
        assertEquals(session, ok.getString("session"), "the same session, recovered");
        assertEquals(0L, ok.getLong("dropped"));
        long lastEid = 0;
        for (JsonObject expected : owed) {
          JsonObject b = reader.expect("ACTIVITY_BROADCAST");
          assertEquals(expected, b.getJsonObject("activity"), "exactly the owed ones, in order");
          assertTrue(b.getJsonObject("eid").getLong("n") > lastEid);
          lastEid = b.getJsonObject("eid").getLong("n");
        }
        sender.loginOk("d-sender", "s");
        sender.activity("d-sender", "s", new JsonObject().put("n", 9));
        assertEquals(9, reader.nextActivity().getInteger("n"), "nothing more before the live one");
      }
    }
  }

  @Test
  void storeSizeAndCommitLatencyAreInMetricsAndApiMesh() throws Exception {
    Path dir = freshDir("metrics");
    int http = ServerProcess.freePort();
    try (ServerProcess s = start("durable-metrics", dir, "-hp", String.valueOf(http))) {
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("m-user", "x").expect("REGISTER_SUCCESS");
      }
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      String metrics = client.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + http + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      java.util.regex.Matcher bytes = java.util.regex.Pattern.compile("(?m)^streamer_store_bytes (\\S+)$").matcher(metrics);
      assertTrue(bytes.find() && Double.parseDouble(bytes.group(1)) > 0, metrics);
      java.util.regex.Matcher commits = java.util.regex.Pattern.compile("(?m)^streamer_store_commit_seconds_count (\\S+)$")
          .matcher(metrics);
      assertTrue(commits.find() && Double.parseDouble(commits.group(1)) >= 1, metrics);
      JsonObject mesh = new JsonObject(client.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + http + "/api/mesh")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body());
      JsonObject store = mesh.getJsonObject("store");
      assertEquals(dir.toAbsolutePath().normalize().toString(), store.getString("dir"), mesh.encode());
      assertEquals("batch", store.getString("durability"));
      assertTrue(store.getLong("bytes") > 0 && store.getLong("commits") >= 1 && store.getDouble("commitMillisMax") > 0,
          store.encode());
    }
  }

  /**
   * Disk full (a 2 MiB tmpfs; skipped where it cannot be mounted): a REGISTER while commits fail is
   * refused saying why, and so is an activity; the one whose commit failed is answered once space
   * returns, and both it and later ones survive a kill -9.
   */
  @Test
  void aFullDiskRefusesRegistrationsAndResumesWhenSpaceReturns() throws Exception {
    Path mount = freshDir("tmpfs");
    Files.createDirectories(mount);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString())
        .redirectErrorStream(true).start();
    boolean mounted = p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    org.junit.jupiter.api.Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (needs root): disk-full test skipped");
    Path filler = mount.resolve("filler");
    try (ServerProcess s = start("durable-full", mount.resolve("data"));
         LineClient sender = LineClient.connect(s.port())) {
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("f-before", "pw").expect("REGISTER_SUCCESS");
      }
      sender.loginOk("anonymous", null);
      fill(filler);
      // the first REGISTER's commit fails (it waits); once a commit has failed, REGISTERs are refused
      List<LineClient> waiting = new ArrayList<>();
      List<String> waitingUsers = new ArrayList<>();
      JsonObject refused = null;
      String refusedUser = null;
      for (int i = 0; i < 20 && refused == null; i++) {
        LineClient c = LineClient.connect(s.port());
        String user = "f-during" + i;
        c.register(user, "pw");
        try {
          JsonObject r = c.next(Duration.ofSeconds(2));
          assertEquals("REGISTER_FAILED", r.getString("command"), "no success while the disk is full: " + r.encode());
          refused = r;
          refusedUser = user;
          c.close();
        } catch (AssertionError noAnswer) {
          waiting.add(c);
          waitingUsers.add(user);
        }
      }
      assertTrue(refused != null && refused.getString("info").contains("data directory cannot be written"),
          String.valueOf(refused));
      // an activity is refused too, saying why, rather than accepted into what cannot be kept
      sender.activity("anonymous", null, new JsonObject().put("n", 1));
      JsonObject no = sender.nextMatching(m -> "INVALID_MESSAGE".equals(m.getString("command")), WAIT);
      assertTrue(no.getString("info").contains("cannot store activities now"), no.encode());
      sender.awaitClosedIgnoringLines(WAIT);
      assertTrue(!waiting.isEmpty(), "the REGISTER whose commit failed waits");
      Files.delete(filler);
      for (LineClient c : waiting) {
        assertEquals("REGISTER_SUCCESS", c.next(WAIT).getString("command"), "answered once space returned");
        c.close();
      }
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("f-after", "pw").expect("REGISTER_SUCCESS");
      }
      s.kill9();
      s.restart();
      List<String> kept = new ArrayList<>(waitingUsers);
      kept.add("f-before");
      kept.add("f-after");
      for (String u : kept) {
        try (LineClient c = LineClient.connect(s.port())) {
          c.loginOk(u, "pw");
        }
      }
      try (LineClient c = LineClient.connect(s.port())) {
        c.login(refusedUser, "pw").expect("LOGIN_FAILED");
      }
    } finally {
      new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** Writes until the file system is full. */
  private static void fill(Path file) {
    byte[] chunk = new byte[4096];
    try (var out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk);
        out.flush();
      }
    } catch (IOException full) {
      // no space left
    }
  }

  @Test
  void aDirectoryInUseStopsASecondServer() throws IOException {
    Path dir = freshDir("locked");
    try (ServerProcess first = start("durable-lock1", dir)) {
      ServerProcess second = ServerProcess.run("durable-lock2", Map.of(), WAIT, "-lp",
          String.valueOf(ServerProcess.freePort()), "-hp", "0", "-s", SECRET, "-d", dir.toString());
      assertNotEquals(0, second.awaitExit(WAIT));
      assertTrue(second.output().contains("in use by another running server"), second.output());
      assertTrue(second.output().contains(dir.toAbsolutePath().normalize().toString()), second.output());
      try (LineClient c = LineClient.connect(first.port())) {
        c.register("still-fine", "x").expect("REGISTER_SUCCESS"); // the first one keeps serving
      }
    }
  }

  @Test
  void aDirectoryOfAnotherMeshSecretIsRefused() throws IOException {
    Path dir = freshDir("secret");
    try (ServerProcess s = start("durable-secret1", dir)) {
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("someone", "x").expect("REGISTER_SUCCESS");
      }
      s.kill9();
    }
    ServerProcess other = ServerProcess.run("durable-secret2", Map.of(), WAIT, "-lp",
        String.valueOf(ServerProcess.freePort()), "-hp", "0", "-s", "another-secret", "-d", dir.toString());
    assertNotEquals(0, other.awaitExit(WAIT));
    assertTrue(other.output().contains("written by a mesh with another secret"), other.output());
    assertTrue(other.output().contains(dir.toAbsolutePath().normalize().toString()), other.output());
    assertTrue(!other.output().contains(SECRET), "the secret is never printed");
  }

  /** No -s: the generated secret is kept in the data directory (owner-only), so a restart opens it again. */
  @Test
  void aServerWithoutASecretRestartsOnItsOwnDirectory() throws IOException {
    Path dir = freshDir("kept-secret");
    String port = String.valueOf(ServerProcess.freePort());
    try (ServerProcess s = ServerProcess.start("durable-kept", "-lp", port, "-hp", "0", "-lh", "127.0.0.1",
        "-d", dir.toString())) {
      Path kept = dir.toAbsolutePath().normalize().resolve("secret");
      assertTrue(s.output().contains("using generated secret") && s.output().contains("kept in " + kept), s.output());
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
      try (LineClient c = LineClient.connect(s.port())) {
        c.register("kept-user", "pw").expect("REGISTER_SUCCESS");
      }
      s.kill9();
      ServerProcess again = s.restart();
      assertTrue(again.output().contains("using the one kept in " + kept), again.output());
      try (LineClient c = LineClient.connect(again.port())) {
        c.login("kept-user", "pw").expect("LOGIN_SUCCESS"); // the user came back from disk
      }
    }
  }

  @Test
  void aDirectoryThatIsNotWritableIsRefused() throws IOException {
    Path parent = freshDir("readonly");
    Path file = parent.resolveSibling(parent.getFileName() + ".file");
    Files.writeString(file, "not a directory");
    // a data directory under a regular file cannot be created, whoever runs the test (root ignores modes)
    Path dir = file.resolve("data");
    ServerProcess p = ServerProcess.run("durable-ro", Map.of(), WAIT, "-lp", String.valueOf(ServerProcess.freePort()),
        "-hp", "0", "-s", SECRET, "-d", dir.toString());
    assertNotEquals(0, p.awaitExit(WAIT));
    assertTrue(p.output().contains("cannot be created") && p.output().contains(dir.toString()), p.output());
  }

  /**
   * The database truncated at a random byte (after a clean stop: everything is in the file): start-up
   * refuses, saying what to do (docs/durability.md), or, where SQLite's check finds nothing wrong, starts
   * with every user.
   */
  @Test
  void aTruncatedDatabaseIsRefusedWithWhatToDo() throws IOException {
    long seed = Long.getLong("durability.seed", System.nanoTime());
    Random random = new Random(seed);
    Path dir = freshDir("truncated");
    int port;
    try (ServerProcess s = start("durable-trunc", dir)) {
      port = s.port();
      for (int i = 0; i < 15; i++) {
        try (LineClient c = LineClient.connect(s.port())) {
          c.register("t-user" + i, "pw").expect("REGISTER_SUCCESS");
        }
      }
      s.kill(); // SIGTERM: the store closes, SQLite folds the WAL into the file
    }
    assertTrue(!Files.exists(dir.resolve("state.db-wal")), "a clean stop leaves no WAL");
    Path db = dir.resolve("state.db");
    byte[] whole = Files.readAllBytes(db);
    for (int round = 0; round < 2; round++) {
      long cut = 1 + random.nextInt(whole.length - 1);
      Files.write(db, whole);
      try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
        f.setLength(cut);
      }
      Files.deleteIfExists(dir.resolve("state.db-wal"));
      try (ServerProcess s = ServerProcess.launch("durable-trunc", Map.of(), "-lp", String.valueOf(port), "-hp", "0",
          "-lh", "127.0.0.1", "-s", SECRET, "-d", dir.toString())) {
        String line = s.awaitLine(l -> l.contains("listening on port") || l.contains("cannot start"), WAIT);
        String what = "seed " + seed + ", cut at " + cut + " of " + whole.length + ": " + s.output();
        if (line.contains("cannot start")) {
          assertTrue(line.contains("is damaged") && line.contains("Move it away") && line.contains(db.toString()),
              what);
          assertNotEquals(0, s.awaitExit(WAIT), what);
        } else {
          for (int i = 0; i < 15; i++) {
            try (LineClient c = LineClient.connect(port)) {
              c.loginOk("t-user" + i, "pw");
            }
          }
        }
      }
    }
  }

  /**
   * The WAL truncated at a random byte after a kill -9: SQLite keeps every transaction whose frames are
   * complete, so the server starts with a prefix of what was committed (here: of the registrations, which
   * were made one after the other), or refuses as for a damaged database.
   */
  @Test
  void aTruncatedWalLeavesAPrefixOfTheCommits() throws IOException {
    long seed = Long.getLong("durability.seed", System.nanoTime());
    Random random = new Random(seed);
    Path dir = freshDir("wal");
    int users = 25;
    try (ServerProcess s = start("durable-wal", dir)) {
      for (int i = 0; i < users; i++) {
        try (LineClient c = LineClient.connect(s.port())) {
          c.register("w-user" + i, "pw").expect("REGISTER_SUCCESS");
        }
      }
      s.kill9();
      Path wal = dir.resolve("state.db-wal");
      long size = Files.size(wal);
      long cut = size <= 1 ? 0 : 1 + (long) (random.nextDouble() * (size - 1));
      try (RandomAccessFile f = new RandomAccessFile(wal.toFile(), "rw")) {
        f.setLength(cut);
      }
      String what = "seed " + seed + ", WAL cut at " + cut + " of " + size;
      s.restart();
      boolean gap = false;
      int present = 0;
      for (int i = 0; i < users; i++) {
        try (LineClient c = LineClient.connect(s.port())) {
          JsonObject r = c.login("w-user" + i, "pw").next();
          boolean in = r.getString("command").equals("LOGIN_SUCCESS");
          assertTrue(!(in && gap), what + ": w-user" + i + " present after a missing one");
          gap |= !in;
          present += in ? 1 : 0;
        }
      }
      System.out.println(what + ": " + present + " of " + users + " users kept");
    }
  }
}
