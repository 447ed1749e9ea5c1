package io.activitystreamer.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.testing.ServerProcess;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generator's Redis and NATS codecs against a real redis-server / nats-server process (skipped with
 * a message where the binary is not installed): small runs count every message exactly, as against ours.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodecProcessTest {

  /** An external server binary on a free loopback port; close() stops it by its PID. */
  private static final class External implements AutoCloseable {
    final Process process;
    final int port;

    External(String name, List<String> command, int port) throws IOException {
      Path logs = ServerProcess.buildDir().resolve("process-logs");
      Files.createDirectories(logs);
      this.port = port;
      Path log = logs.resolve(name + "-" + port + ".log");
      this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      await(name + " listens on " + port).atMost(Duration.ofSeconds(20)).until(() -> {
        if (!process.isAlive()) {
          throw new AssertionError(name + " exited at start, see " + log);
        }
        return accepts(port);
      });
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String installed(String binary) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return Path.of(dir, binary).toString();
      }
    }
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return Path.of(dir, binary).toString();
      }
    }
    Assumptions.assumeTrue(false, binary + " is not installed (Debian: apt-get install -y " + binary
        + "): the " + binary + " codec test is skipped");
    return null;
  }

  private static External redis() throws IOException {
    String bin = installed("redis-server");
    int port = ServerProcess.freePort();
    return new External("redis", List.of(bin, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"), port);
  }

  private static External nats() throws IOException {
    String bin = installed("nats-server");
    int port = ServerProcess.freePort();
    return new External("nats", List.of(bin, "-a", "127.0.0.1", "-p", Integer.toString(port)), port);
  }

  private static BenchResult run(String target, int port, String... extra) throws Exception {
    String[] base = {"--target", target, "--servers", "127.0.0.1:" + port, "--warmup", "0.2", "--duration", "0.8",
        "--settle", "100", "--quiet", "--channel", "codec-test"};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return Bench.run(BenchOptions.parse(all));
  }

  private static void assertExact(BenchResult r, int subs, long slowFrames) {
    String json = r.toJson().encode();
    assertNull(r.error(), json);
    assertTrue(r.published() > 0, json);
    assertEquals(r.published() * subs, r.received(), json);
    assertEquals(0, r.lost(), json);
    assertEquals(0, r.duplicates(), json);
    assertEquals(0, r.outOfOrder(), json);
    assertEquals(0, r.publisherReceived(), "publishers do not subscribe: " + json);
    assertTrue(r.toJson().getLong("latencySamples") > 0, json);
    assertEquals(slowFrames, r.toJson().getLong("slowPathLines"), "only the greetings' replies: " + json);
  }

  @Test
  void redisMaxRateOverTheSlowestSubscriber() throws Exception {
    try (External s = redis()) {
      // 3 subscribe confirmations and 2 PONGs; the integer replies to PUBLISH are acknowledgements
      assertExact(run("redis", s.port, "--pubs", "2", "--subs", "3", "--window", "8", "--ack", "slowest",
          "--loops", "2"), 3, 5);
    }
  }

  @Test
  void redisMaxRateCountingIntegerReplies() throws Exception {
    try (External s = redis()) {
      BenchResult r = run("redis", s.port, "--pubs", "1", "--subs", "4", "--window", "4", "--ack", "echo");
      assertExact(r, 4, 5);
    }
  }

  @Test
  void natsFixedRateAndMaxRate() throws Exception {
    try (External s = nats()) {
      // every client: the server's INFO and the PONG to its PING
      BenchResult fixed = run("nats", s.port, "--pubs", "1", "--subs", "3", "--rate", "200", "--payload", "50");
      assertExact(fixed, 3, 8);
      assertTrue(fixed.published() >= 150 && fixed.published() <= 260, fixed.toJson().encode());
      assertExact(run("nats", s.port, "--pubs", "2", "--subs", "3", "--window", "8", "--ack", "slowest",
          "--loops", "2"), 3, 10);
    }
  }
}
