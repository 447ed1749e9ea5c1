package io.activitystreamer.browser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A server as a child JVM on the test class path, started with {@code Main} flags; its output goes to a
 * log file under the build directory. {@link #start} returns once it prints its "listening" line.
 */
final class ServerProcess implements AutoCloseable {
  /** HTTP port = client port + this, for every server of a test: the page's rule for members' HTTP ports. */
  static final int HTTP_OFFSET = 1000;

  private final Process process;
  final int port;
  final int httpPort;
  final Path log;

  private ServerProcess(Process process, int port, int httpPort, Path log) {
    this.process = process;
    this.port = port;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** The build directory (parent of test-classes). */
  static Path buildDir() {
    try {
      return Paths.get(ServerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
    } catch (URISyntaxException e) {
      return Paths.get("target");
    }
  }

  /** A port p such that p and p + HTTP_OFFSET are both free on 127.0.0.1 right now. */
  static int freePortPair() {
    for (int i = 0; i < 200; i++) {
      int p = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      if (free(p) && free(p + HTTP_OFFSET)) {
        return p;
      }
    }
    throw new IllegalStateException("no free port pair found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("0.0.0.0", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static ServerProcess start(String name, String... flags) throws Exception {
    int port = freePortPair();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.activitystreamer.cli.Main");
    cmd.addAll(List.of("-lp", String.valueOf(port), "-hp", String.valueOf(port + HTTP_OFFSET),
        "-lh", "127.0.0.1"));
    cmd.addAll(List.of(flags));
    Path log = buildDir().resolve("browser-logs").resolve(name + "-" + port + ".log");
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
           PrintWriter w = new PrintWriter(Files.newBufferedWriter(log), true)) {
        String line;
        while ((line = r.readLine()) != null) {
          w.println(line);
          if (line.contains("listening on port")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // process gone
      }
      ready.completeExceptionally(new IllegalStateException(name + " exited before listening; see " + log));
    }, "server-" + name);
    t.setDaemon(true);
    t.start();
    try {
      ready.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
    return new ServerProcess(p, port, port + HTTP_OFFSET, log);
  }

  String http() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Kills the server as a crash would (no goodbye to the mesh). */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
