package io.activitystreamer.cli;

import io.activitystreamer.AppVerticle;
import io.activitystreamer.bench.Bench;
import io.activitystreamer.client.TerminalClient;
import io.activitystreamer.config.ConfigLoader;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.MeteredVertx;
import io.activitystreamer.state.Secrets;
import io.activitystreamer.tls.GenCerts;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Entry point: {@code java -jar activitystreamer.jar [flags]} runs a server; {@code client ...} the
 * terminal client; {@code bench ...} the load generator; {@code gen-certs DIR ...} test certificates.
 * Reads arguments and config, deploys
 * {@link AppVerticle}. No logic of its own.
 */
public final class Main {
  private Main() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length > 0 && argv[0].equals("client")) {
      System.exit(TerminalClient.run(Arrays.copyOfRange(argv, 1, argv.length)));
    }
    if (argv.length > 0 && argv[0].equals("gen-certs")) {
      System.exit(GenCerts.run(Arrays.copyOfRange(argv, 1, argv.length)));
    }
    if (argv.length > 0 && argv[0].equals("bench")) {
      runBench(Arrays.copyOfRange(argv, 1, argv.length));
      return;
    }
    Args args;
    try {
      args = Args.server(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(Args.SERVER_USAGE);
      System.exit(2);
      return;
    }
    if (args.help) {
      System.out.println(Args.SERVER_USAGE);
      return;
    }
    // Event loops are handed out round robin at deployment: enough of them that the state verticle
    // (the one serial stage of the activity path) shares its loop with no gateway instance.
    int cores = Runtime.getRuntime().availableProcessors();
    Vertx vertx = MeteredVertx.create(new VertxOptions().setEventLoopPoolSize(Math.max(8, 2 * cores + 4)));
    ServerConfig config;
    try {
      config = ConfigLoader.load(vertx, args.confFile, args.flags).await();
    } catch (Exception e) {
      System.err.println("error: " + e.getMessage());
      vertx.close();
      System.exit(2);
      return;
    }
    if (config.secret().isEmpty()) {
      try {
        config = config.with(new JsonObject().put("secret", keptOrGeneratedSecret(config)));
      } catch (IOException e) {
        System.err.println("error: cannot keep the generated mesh secret: " + e.getMessage() + " (give -s SECRET or -d none)");
        vertx.close();
        System.exit(1);
        return;
      }
    }
    AppVerticle app = new AppVerticle(config);
    try {
      vertx.deployVerticle(app).await(600, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("error: cannot start: " + ConfigLoader.rootMessage(e));
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println("ActivityStreamer server " + app.incarnation() + " listening on port " + app.port()
        + (config.httpPort() > 0 ? (config.httpTls() ? ", HTTPS on port " : ", HTTP on port ") + config.httpPort() : "")
        + (config.tlsPort() > 0 ? ", TLS on port " + config.tlsPort() : "")
        + (app.dataDir() != null ? ", data in " + app.dataDir() + " (durability " + config.durability() + ")"
        : ", memory only (no data directory)"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "shutdown"));
  }

  private static void runBench(String[] argv) throws Exception {
    Bench.main(argv);
  }

  /**
   * No -s: the secret this server generated at an earlier start and kept in its data directory, else a
   * new one, kept there (owner-only file) so the next start opens the same directory.
   */
  private static String keptOrGeneratedSecret(ServerConfig config) throws IOException {
    Path file = AppVerticle.keptSecretFile(config);
    if (file != null && Files.isRegularFile(file)) {
      String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!kept.isEmpty()) {
        System.out.println("no mesh secret given: using the one kept in " + file + " (start other servers with -s " + kept + ")");
        return kept;
      }
    }
    String secret = Secrets.generate();
    String where = "";
    if (file != null) {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("secret.tmp");
      Files.deleteIfExists(tmp);
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp); // not a POSIX file system
      }
      Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      where = ", kept in " + file + " for the next start";
    }
    System.out.println("no mesh secret given: using generated secret " + secret + where
        + " (start other servers with -s " + secret + ")");
    return secret;
  }
}
