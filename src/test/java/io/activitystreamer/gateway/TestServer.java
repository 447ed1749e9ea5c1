package io.activitystreamer.gateway;

import io.activitystreamer.AppVerticle;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.MeteredVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One server in this JVM: its own Vertx (with its own metrics registry), {@link AppVerticle} on port 0
 * with HTTP off, memory only (no data directory) and a cheap secret hash (tests register many users).
 * {@link #meshInfo()} asks the state over the bus.
 */
public final class TestServer implements AutoCloseable {
  public final Vertx vertx;
  public final AppVerticle app;
  public final ServerConfig config;

  private TestServer(Vertx vertx, AppVerticle app, ServerConfig config) {
    this.vertx = vertx;
    this.app = app;
    this.config = config;
  }

  public static TestServer start() {
    return start(new JsonObject());
  }

  /** Starts with these config keys over the test defaults. */
  public static TestServer start(JsonObject overrides) {
    ServerConfig config = config(overrides);
    Vertx vertx = MeteredVertx.create();
    AppVerticle app = new AppVerticle(config);
    try {
      vertx.deployVerticle(app).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new AssertionError("server did not start", e);
    }
    return new TestServer(vertx, app, config);
  }

  /** The test defaults with these keys over them (for a server deployed by the test itself). */
  public static ServerConfig config(JsonObject overrides) {
    return ServerConfig.fromJson(new JsonObject().put("localPort", 0).put("httpPort", 0)
        .put("localHostname", "127.0.0.1").put("bindHost", "127.0.0.1").put("secret", "mesh-secret")
        .put("secretHashIterations", 1000).put("gatewayInstances", 2).put("dataDir", "none").mergeIn(overrides));
  }

  public int port() {
    return app.port();
  }

  /** The state's view: load, sessions, sessionsHere, sessionsDetached, users, members ... */
  public Future<JsonObject> info() {
    return vertx.eventBus().<JsonObject>request(Addresses.STATE_MESH_INFO, new JsonObject()).map(Message::body);
  }

  /** {@link #info()}, waited for. */
  public JsonObject meshInfo() {
    try {
      return info().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("mesh info request failed", e);
    }
  }

  /**
   * The first {@link #info()} that matches, asked every 20 ms; fails past {@code wait} with the last one.
   * (The state publishes no event for these counts: this polls it, on the server's own event loop.)
   */
  public Future<JsonObject> infoWhen(Predicate<JsonObject> p, Duration wait) {
    return infoWhen(p, System.nanoTime() + wait.toNanos(), wait);
  }

  private Future<JsonObject> infoWhen(Predicate<JsonObject> p, long deadline, Duration wait) {
    return info().compose(info -> {
      if (p.test(info)) {
        return Future.succeededFuture(info);
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(new AssertionError("mesh info never matched within " + wait + "; last: "
            + info.encode()));
      }
      return vertx.timer(20).compose(t -> infoWhen(p, deadline, wait));
    });
  }

  /** {@link #infoWhen}, waited for (from a test thread). */
  public JsonObject awaitInfo(Predicate<JsonObject> p, Duration wait) {
    try {
      return infoWhen(p, wait).await(wait.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort
    }
  }
}
