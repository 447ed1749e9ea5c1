package io.activitystreamer.gateway;

import io.activitystreamer.AppVerticle;
import io.activitystreamer.bus.Addresses;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.http.MeteredVertx;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One server in this JVM: its own Vertx (with its own metrics registry), {@link AppVerticle} on port 0
 * with HTTP off and a cheap secret hash (tests register many users). {@link #meshInfo()} asks the state
 * over the bus.
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
        .put("secretHashIterations", 1000).put("gatewayInstances", 2).mergeIn(overrides));
  }

  public int port() {
    return app.port();
  }

  /** The state's view: load, sessions, sessionsHere, sessionsDetached, users, members ... */
  public JsonObject meshInfo() {
    try {
      return vertx.eventBus().<JsonObject>request(Addresses.STATE_MESH_INFO, new JsonObject())
          .await(10, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new AssertionError("mesh info request failed", e);
    }
  }

  /** Polls {@link #meshInfo()} until it matches (every 20 ms, within {@code wait}); returns the matching info. */
  public JsonObject awaitInfo(Predicate<JsonObject> p, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    JsonObject info = meshInfo();
    while (!p.test(info)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("mesh info never matched within " + wait + "; last: " + info.encode());
      }
      try {
        vertx.timer(20).await();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      info = meshInfo();
    }
    return info;
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
