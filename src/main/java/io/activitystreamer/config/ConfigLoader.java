package io.activitystreamer.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

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

  /**
   * Splits the retrieved JSON (file keys and every environment variable, merged by vertx-config) into
   * file keys and {@code STREAMER_*} overrides, then applies the flags: flags win over the environment,
   * which wins over the file. Any other key that is an environment variable is ignored; any other key
   * is a file key, checked by {@link ServerConfig#fromJson} (so a typo in the file is an error).
   */
  static ServerConfig resolve(JsonObject raw, JsonObject flags) {
    Map<String, String> byEnvName = new HashMap<>();
    for (String key : ServerConfig.DEFAULTS.keySet()) {
      byEnvName.put(ServerConfig.envName(key), key);
    }
    JsonObject file = new JsonObject();
    JsonObject env = new JsonObject();
    for (String name : raw.fieldNames()) {
      String key = byEnvName.get(name);
      if (key != null) {
        env.put(key, raw.getValue(name));
      } else if (ServerConfig.DEFAULTS.containsKey(name) || System.getenv(name) == null) {
        file.put(name, raw.getValue(name));
      }
    }
    return ServerConfig.fromJson(file.mergeIn(env).mergeIn(flags));
  }

  /** The message of the innermost cause (what a user can act on). */
  public static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
