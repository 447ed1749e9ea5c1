package io.activitystreamer.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Builds the effective {@link ServerConfig}: defaults, then the JSON file of {@code -conf} (if any), then
 * {@code STREAMER_*} environment variables, then command-line flags. Uses vertx-config for the file and
 * the environment.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static Future<ServerConfig> load(Vertx vertx, String confFile, JsonObject flags) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false);
    if (confFile != null) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", confFile)));
    }
    options.addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new IllegalArgumentException(
            "cannot read config file " + confFile + ": " + rootMessage(err))))
        .compose(raw -> {
          retriever.close();
          try {
            return Future.succeededFuture(resolve(raw, flags));
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
          }
        });
  }

  /** Splits the retrieved JSON into file keys and environment overrides, then applies the flags. */
  static ServerConfig resolve(JsonObject raw, JsonObject flags) {
    JsonObject file = new JsonObject();
    JsonObject env = new JsonObject();
    for (String key : raw.fieldNames()) {
      boolean fromEnvironment = System.getenv(key) != null && !ServerConfig.DEFAULTS.containsKey(key);
      if (!fromEnvironment) {
        file.put(key, raw.getValue(key));
      }
    }
    for (String key : ServerConfig.DEFAULTS.keySet()) {
      Object v = raw.getValue(ServerConfig.envName(key));
      if (v != null) {
        env.put(key, v);
      }
    }
    return ServerConfig.fromJson(file.mergeIn(env).mergeIn(flags));
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
