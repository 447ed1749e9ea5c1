package io.activitystreamer.cli;

import io.activitystreamer.util.Cli;
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
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point: {@code java -jar activitystreamer.jar [flags]} runs a server; {@code client ...} the
 * terminal client; {@code bench ...} the load generator; {@code gen-certs DIR ...} test certificates.
 * The server's flags are the classic ones of PROTOCOL.md section 7, each the override of one config key;
 * this class reads them and the config, deploys {@link AppVerticle}, and has no logic of its own.
 */
@Command(name = "java -jar activitystreamer.jar", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    sortOptions = false, usageHelpAutoWidth = true, separator = " ",
    description = "Runs an ActivityStreamer server, or one of the commands below.",
    subcommands = {TerminalClient.Command.class, Bench.Command.class, GenCerts.Command.class},
    footer = {"%n'java -jar activitystreamer.jar COMMAND -h' shows the options of a command.",
      "%nEvery config key can also be set in the -conf file or by environment variable"
          + " STREAMER_<KEY_IN_UPPER_SNAKE_CASE>, e.g. STREAMER_MAX_MESSAGE_BYTES=131072; flags win over the"
          + " environment, which wins over the file (docs/configuration.md)."})
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @Option(names = "-lp", paramLabel = "PORT", order = 1,
      description = "port for clients and servers (config localPort, default 3780; 0 = any)")
  Integer localPort;
  @Option(names = "-lh", paramLabel = "HOST", order = 2,
      description = "hostname announced to servers and clients (localHostname, default localhost)")
  String localHostname;
  @Option(names = "-rh", paramLabel = "HOST", order = 3,
      description = "a member of the mesh to join (remoteHostname; none = start a new mesh)")
  String remoteHostname;
  @Option(names = "-rp", paramLabel = "PORT", order = 4, description = "its port (remotePort, default 3780)")
  Integer remotePort;
  @Option(names = "-s", paramLabel = "SECRET", order = 5,
      description = "mesh secret (secret; generated and printed when missing)")
  String secret;
  @Option(names = "-a", paramLabel = "MILLIS", order = 6,
      description = "announce interval (announceIntervalMillis, default 5000)")
  Integer announceIntervalMillis;
  @Option(names = "-hp", paramLabel = "PORT", order = 7,
      description = "HTTP port for SockJS, the web client and ops endpoints (httpPort, default 8780; 0 = off)")
  Integer httpPort;
  @Option(names = "-d", paramLabel = "DIR", order = 8,
      description = "data directory (dataDir, default data/<hostname>-<port>; none = memory only)")
  String dataDir;
  @Option(names = "-conf", paramLabel = "FILE", order = 9,
      description = "JSON config file (every key: see conf/server.json and docs/configuration.md)")
  String confFile;

  /** Set once the server is up: the process then lives until it is stopped. */
  private boolean serving;

  public static void main(String[] argv) {
    Main main = new Main();
    int code = Cli.commandLine(main).execute(argv);
    if (!main.serving) {
      System.exit(code);
    }
  }

  /** The flags given, as config keys (the highest layer of {@link ConfigLoader}). */
  JsonObject flags() {
    JsonObject f = new JsonObject();
    f.put("localPort", localPort).put("localHostname", localHostname).put("remoteHostname", remoteHostname)
        .put("remotePort", remotePort).put("secret", secret).put("announceIntervalMillis", announceIntervalMillis)
        .put("httpPort", httpPort).put("dataDir", dataDir);
    f.fieldNames().removeIf(k -> f.getValue(k) == null);
    return f;
  }

  @Override
  public Integer call() throws Exception {
    // The config is read on a Vert.x of its own (NIO, closed again): it says which transport the
    // server's Vert.x runs on, which cannot change once that one exists.
    ServerConfig config;
    Vertx boot = Vertx.vertx();
    try {
      config = ConfigLoader.load(boot, confFile, flags()).await();
    } catch (Exception e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    } finally {
      boot.close();
    }
    // Event loops are handed out round robin at deployment: enough of them that the state verticle
    // (the one serial stage of the activity path) shares its loop with no gateway instance.
    int cores = Runtime.getRuntime().availableProcessors();
    Vertx vertx = MeteredVertx.create(new VertxOptions().setEventLoopPoolSize(Math.max(8, 2 * cores + 4))
        .setPreferNativeTransport(config.nativeTransport()));
    String transport = MeteredVertx.transport(vertx);
    if (!config.nativeTransport()) {
      LOG.info("network transport: {} (nativeTransport false)", transport);
    } else if (vertx.isNativeTransportEnabled()) {
      LOG.info("network transport: {} (native)", transport);
    } else {
      Throwable why = vertx.unavailableNativeTransportCause();
      LOG.warn("network transport: nio; the native transport is not available here ({}), running on Java NIO",
          why == null ? "none for this OS" : ConfigLoader.rootMessage(why));
    }
    if (config.secret().isEmpty()) {
      try {
        config = config.with(new JsonObject().put("secret", keptOrGeneratedSecret(config)));
      } catch (IOException e) {
        System.err.println("error: cannot keep the generated mesh secret: " + e.getMessage() + " (give -s SECRET or -d none)");
        vertx.close();
        return 1;
      }
    }
    AppVerticle app = new AppVerticle(config);
    try {
      vertx.deployVerticle(app).await(600, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("error: cannot start: " + ConfigLoader.rootMessage(e));
      vertx.close();
      return 1;
    }
    System.out.println("ActivityStreamer server " + app.incarnation() + " listening on port " + app.port()
        + (config.httpPort() > 0 ? (config.httpTls() ? ", HTTPS on port " : ", HTTP on port ") + config.httpPort() : "")
        + (config.tlsPort() > 0 ? ", TLS on port " + config.tlsPort() : "")
        + (app.dataDir() != null ? ", data in " + app.dataDir() + " (durability " + config.durability() + ")"
        : ", memory only (no data directory)") + ", transport " + transport);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "shutdown"));
    serving = true;
    return 0;
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
