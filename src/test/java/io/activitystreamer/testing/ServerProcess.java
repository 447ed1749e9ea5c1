package io.activitystreamer.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code io.activitystreamer.cli.Main} as a child JVM, for tests that need a real process (crash with
 * kill -9, SIGTERM, exit codes, the terminal client). Uses the running JVM's java binary and the test
 * class path. stdout and stderr are merged, kept in memory and written to
 * {@code <buildDir>/process-logs/<name>-<n>.log}. Always {@link #close()} (try-with-resources or
 * {@code @AfterEach}): it kills the process with -9 if it still runs.
 *
 * <pre>
 * try (ServerProcess s = ServerProcess.start("a", "-lp", "0", "-hp", "0", "-s", "x")) {
 *   LineClient c = LineClient.connect(s.port());
 *   s.kill9();
 *   s.restart();               // same arguments, same port
 * }
 * </pre>
 */
public final class ServerProcess implements AutoCloseable {
  public static final Duration START_WAIT = Duration.ofSeconds(30);
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
  private static final Pattern HTTP = Pattern.compile("HTTPS? on port (\\d+)");
  private static final Pattern TLS = Pattern.compile("TLS on port (\\d+)");
  private static final AtomicLong COUNTER = new AtomicLong();
  private static final List<String> JVM_OPTS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Xshare:auto");

  private final String name;
  private final Map<String, String> env;
  private final List<String> jvmOpts;
  private String[] args;
  private Process process;
  private volatile Thread pump;
  private Path logFile;
  private final List<String> output = new ArrayList<>();
  private PrintWriter stdin;
  private int port = -1;
  private int httpPort = -1;
  private int tlsPort = -1;

  private ServerProcess(String name, Map<String, String> env, List<String> jvmOpts, String[] args) {
    this.name = name;
    this.env = env;
    this.jvmOpts = jvmOpts;
    this.args = args;
  }

  /** Starts a server with these Main arguments and waits for its "listening on port N" line. */
  public static ServerProcess start(String name, String... args) {
    ServerProcess p = launch(name, Map.of(), args);
    try {
      p.awaitPort(START_WAIT);
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** Starts Main with these arguments and environment variables; does not wait for anything. */
  public static ServerProcess launch(String name, Map<String, String> env, String... args) {
    return launch(name, env, List.of(), args);
  }

  /** As {@link #launch(String, Map, String...)} with extra JVM options (e.g. -Dx=y). */
  public static ServerProcess launch(String name, Map<String, String> env, List<String> jvmOpts, String... args) {
    ServerProcess p = new ServerProcess(name, new LinkedHashMap<>(env), jvmOpts, args.clone());
    p.spawn();
    return p;
  }

  /** Runs Main to completion (e.g. {@code -h}, a bad config) and returns the process, already exited. */
  public static ServerProcess run(String name, Map<String, String> env, Duration wait, String... args) {
    ServerProcess p = launch(name, env, args);
    p.awaitExit(wait);
    return p;
  }

  private void spawn() {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(JVM_OPTS);
    cmd.addAll(jvmOpts);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.activitystreamer.cli.Main");
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("STREAMER_"));
    pb.environment().putAll(env);
    try {
      Path dir = buildDir().resolve("process-logs");
      Files.createDirectories(dir);
      logFile = dir.resolve(name + "-" + COUNTER.incrementAndGet() + ".log");
      synchronized (output) {
        output.clear();
      }
      port = -1;
      httpPort = -1;
      tlsPort = -1;
      process = pb.start();
      stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process proc = process;
    Path file = logFile;
    pump = new Thread(() -> pump(proc, file), "process-" + name);
    pump.setDaemon(true);
    pump.start();
  }

  private void pump(Process proc, Path file) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
         OutputStream log = Files.newOutputStream(file)) {
      String line;
      while ((line = r.readLine()) != null) {
        log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        log.flush();
        synchronized (output) {
          output.add(line);
          output.notifyAll();
        }
      }
    } catch (IOException e) {
      // process gone
    }
    synchronized (output) {
      output.notifyAll();
    }
  }

  /** The build directory: the parent of the directory the test classes were loaded from. */
  /**
   * A port free on 127.0.0.1 now, below the kernel's ephemeral range (32768 and up on Linux): a port
   * handed out by bind(0) is an ephemeral one, which an outgoing connection of any test may take as its
   * local port before the server binds it ("Address already in use").
   */
  public static int freePort() {
    for (int i = 0; i < 500; i++) {
      int p = java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new java.net.InetSocketAddress("127.0.0.1", p));
        return p;
      } catch (java.io.IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port in 20000-32000");
  }

  public static Path buildDir() {
    try {
      Path classes = Paths.get(ServerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return classes.getParent();
    } catch (URISyntaxException | RuntimeException e) {
      return Paths.get(System.getProperty("java.io.tmpdir"));
    }
  }

  /** Waits for "listening on port N" and returns N (also reads ", HTTP[S] on port M" and ", TLS on port T"). */
  public int awaitPort(Duration wait) {
    String line = awaitLine(l -> LISTENING.matcher(l).find(), wait);
    Matcher m = LISTENING.matcher(line);
    m.find();
    port = Integer.parseInt(m.group(1));
    Matcher h = HTTP.matcher(line);
    httpPort = h.find() ? Integer.parseInt(h.group(1)) : 0;
    Matcher t = TLS.matcher(line);
    tlsPort = t.find() ? Integer.parseInt(t.group(1)) : 0;
    return port;
  }

  /** Waits for an output line containing {@code text}; returns it. */
  public String awaitOutput(String text, Duration wait) {
    return awaitLine(l -> l.contains(text), wait);
  }

  /**
   * Waits for an output line (since the last start) matching {@code p}; returns it. Fails when the
   * process exits first or the wait ends.
   */
  public String awaitLine(Predicate<String> p, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (output) {
      int checked = 0;
      while (true) {
        for (; checked < output.size(); checked++) {
          if (p.test(output.get(checked))) {
            return output.get(checked);
          }
        }
        long left = deadline - System.nanoTime();
        if (!process.isAlive() && pumpDone()) {
          throw new AssertionError(name + " exited (" + process.exitValue() + ") before the expected line; output:\n"
              + String.join("\n", output));
        }
        if (left <= 0) {
          throw new AssertionError(name + ": no expected line within " + wait + "; output:\n" + String.join("\n", output));
        }
        try {
          output.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  private boolean pumpDone() {
    return !pump.isAlive();
  }

  /** Everything the process printed so far (since the last start). */
  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  public int port() {
    return port;
  }

  /** The HTTP port printed at start-up, 0 when HTTP is off. */
  public int httpPort() {
    return httpPort;
  }

  /** The TLS client port printed at start-up, 0 when off. */
  public int tlsPort() {
    return tlsPort;
  }

  public Path logFile() {
    return logFile;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Writes a line to the process's stdin. */
  public void writeLine(String line) {
    stdin.println(line);
    stdin.flush();
  }

  public void closeStdin() {
    stdin.close();
  }

  /** Waits for the process to exit and returns its exit code (the output is fully read by then). */
  public int awaitExit(Duration wait) {
    try {
      if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not exit within " + wait + "; output:\n" + output());
      }
      waitForPump();
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private void waitForPump() throws InterruptedException {
    pump.join(5000);
  }

  /** SIGTERM, then waits up to 15 s for the exit; returns the exit code. */
  public int kill() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return process.isAlive() ? -1 : process.exitValue();
  }

  /** kill -9, waiting until the process is gone. */
  public void kill9() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the process again with the same arguments, except that {@code -lp} becomes the port it had,
   * so peers and clients find it at the same address. Waits for its port. Call after kill/kill9.
   */
  public ServerProcess restart() {
    if (process.isAlive()) {
      kill9();
    }
    if (port > 0) {
      args = withFlag(args, "-lp", String.valueOf(port));
    }
    spawn();
    awaitPort(START_WAIT);
    return this;
  }

  private static String[] withFlag(String[] args, String flag, String value) {
    List<String> out = new ArrayList<>(Arrays.asList(args));
    int i = out.indexOf(flag);
    if (i >= 0 && i + 1 < out.size()) {
      out.set(i + 1, value);
    } else {
      out.add(flag);
      out.add(value);
    }
    return out.toArray(new String[0]);
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill9();
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + (process == null ? "-" : process.pid()) + ", port " + port + ")";
  }
}
