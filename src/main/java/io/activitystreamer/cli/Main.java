package io.activitystreamer.cli;

import io.activitystreamer.AppVerticle;
import io.activitystreamer.bench.Bench;
import io.activitystreamer.client.TerminalClient;
import io.activitystreamer.config.ConfigLoader;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.MeteredVertx;
import io.activitystreamer.state.Secrets;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Entry point: {@code java -jar activitystreamer.jar [flags]} runs a server; {@code client ...} the
 * terminal client; {@code bench ...} the load generator. Reads arguments and config, deploys
 * {@link AppVerticle}. No logic of its own.
 */
public final class Main {
  private Main() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length > 0 && argv[0].equals("client")) {
      System.exit(TerminalClient.run(Arrays.copyOfRange(argv, 1, argv.length)));
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
      String secret = Secrets.generate();
      config = config.with(new JsonObject().put("secret", secret));
      System.out.println("no mesh secret given: using generated secret " + secret
          + " (start other servers with -s " + secret + ")");
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
        + (config.tlsPort() > 0 ? ", TLS on port " + config.tlsPort() : ""));
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
}
