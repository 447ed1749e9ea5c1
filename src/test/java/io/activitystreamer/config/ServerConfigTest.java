package io.activitystreamer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Config keys, types, ranges, environment overrides and their precedence; every error names its key. */
@Timeout(30)
class ServerConfigTest {
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String error(JsonObject json) {
    return assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromJson(json)).getMessage();
  }

  @Test
  void defaultsAreValidAndMatchConfServerJson() throws Exception {
    ServerConfig d = ServerConfig.defaults();
    assertEquals(3780, d.localPort());
    assertEquals(65536, d.maxMessageBytes());
    assertEquals(5000, d.announceIntervalMillis());
    assertEquals(5000, d.suspicionMillis(), "0 means three announce intervals, at most 5 s");
    assertEquals(900, ServerConfig.fromJson(new io.vertx.core.json.JsonObject().put("announceIntervalMillis", 300))
        .suspicionMillis(), "0 means three announce intervals");
    assertTrue(d.gatewayInstances() >= 1);
    ServerConfig.fromJson(new JsonObject());
    Path conf = Paths.get("conf", "server.json");
    if (Files.exists(conf)) {
      JsonObject file = new JsonObject(Files.readString(conf));
      assertEquals(ServerConfig.DEFAULTS.keySet(), file.fieldNames(), "conf/server.json lists every key");
      assertEquals(d.toJson(), ServerConfig.fromJson(file).toJson(), "conf/server.json holds the defaults");
    }
  }

  @Test
  void outOfRangeValuesNameTheKey() {
    String m = error(new JsonObject().put("localPort", 70000));
    assertTrue(m.contains("localPort") && m.contains("70000"), m);
    assertTrue(error(new JsonObject().put("localPort", -1)).contains("localPort"));
    assertTrue(error(new JsonObject().put("httpPort", 65536)).contains("httpPort"));
    assertTrue(error(new JsonObject().put("maxMessageBytes", 10)).contains("maxMessageBytes"));
    assertTrue(error(new JsonObject().put("announceIntervalMillis", 0)).contains("announceIntervalMillis"));
    assertTrue(error(new JsonObject().put("localHostname", " ")).contains("localHostname"));
  }

  @Test
  void meshClassicAuthIsOffByDefaultAndABoolean() {
    assertFalse(ServerConfig.defaults().meshClassicAuth());
    assertTrue(ServerConfig.fromJson(new JsonObject().put("meshClassicAuth", true)).meshClassicAuth());
    assertTrue(ServerConfig.fromJson(new JsonObject().put("meshClassicAuth", "true")).meshClassicAuth(),
        "an environment variable is a string");
    String m = error(new JsonObject().put("meshClassicAuth", "yes"));
    assertTrue(m.contains("meshClassicAuth") && m.contains("yes"), m);
    assertEquals("STREAMER_MESH_CLASSIC_AUTH", ServerConfig.envName("meshClassicAuth"));
  }

  @Test
  void tlsIsOffByDefaultAndNeedsItsFiles() {
    ServerConfig d = ServerConfig.defaults();
    assertEquals(0, d.tlsPort());
    assertFalse(d.httpTls() || d.meshTls());
    JsonObject files = new JsonObject().put("tlsCertFile", "s.pem").put("tlsKeyFile", "s.key");
    assertEquals(3790, ServerConfig.fromJson(files.copy().put("tlsPort", 3790)).tlsPort());
    assertTrue(ServerConfig.fromJson(files.copy().put("httpTls", "true")).httpTls(), "an environment variable");
    assertTrue(error(new JsonObject().put("tlsPort", 3790)).contains("tlsCertFile and tlsKeyFile"));
    assertTrue(error(new JsonObject().put("httpTls", true).put("tlsCertFile", "s.pem")).contains("tlsKeyFile"));
    assertTrue(error(files.copy().put("meshTls", true).put("tlsPort", 3790)).contains("meshTls needs tlsCaFile"));
    assertTrue(error(files.copy().put("meshTls", true).put("tlsCaFile", "ca.pem")).contains("meshTls needs tlsPort"));
    assertTrue(error(files.copy().put("tlsPort", 3780)).contains("tlsPort must differ from localPort"));
    assertTrue(error(files.copy().put("tlsPort", 70000)).contains("tlsPort must be 0..65535"));
    assertEquals("STREAMER_TLS_CERT_FILE", ServerConfig.envName("tlsCertFile"));
    assertEquals("STREAMER_MESH_TLS", ServerConfig.envName("meshTls"));
  }

  @Test
  void wrongTypesNameTheKey() {
    String m = error(new JsonObject().put("announceIntervalMillis", "abc"));
    assertTrue(m.contains("announceIntervalMillis") && m.contains("abc"), m);
    assertTrue(error(new JsonObject().put("localPort", 1.5)).contains("localPort"));
    assertTrue(error(new JsonObject().put("localPort", true)).contains("localPort"));
    assertTrue(error(new JsonObject().put("localPort", 1e12)).contains("localPort"));
    assertTrue(error(new JsonObject().put("localHostname", 5)).contains("localHostname"));
    assertTrue(error(new JsonObject().put("secret", new JsonObject())).contains("secret"));
  }

  @Test
  void unknownKeysAreErrors() {
    String m = error(new JsonObject().put("localport", 1234));
    assertTrue(m.contains("localport"), m);
  }

  @Test
  void everyProblemIsListed() {
    String m = error(new JsonObject().put("localPort", 70000).put("announceIntervalMillis", "abc").put("nope", 1));
    assertTrue(m.contains("localPort") && m.contains("announceIntervalMillis") && m.contains("nope"), m);
  }

  @Test
  void numbersInStringsAreAccepted() {
    ServerConfig c = ServerConfig.fromJson(new JsonObject().put("localPort", "4000").put("maxMessageBytes", 1024.0)
        .put("httpPort", " 0 "));
    assertEquals(4000, c.localPort());
    assertEquals(1024, c.maxMessageBytes());
    assertEquals(0, c.httpPort());
  }

  @Test
  void nullMeansDefault() {
    assertEquals(3780, ServerConfig.fromJson(new JsonObject().putNull("localPort")).localPort());
  }

  @Test
  void envNames() {
    assertEquals("STREAMER_LOCAL_PORT", ServerConfig.envName("localPort"));
    assertEquals("STREAMER_MAX_MESSAGE_BYTES", ServerConfig.envName("maxMessageBytes"));
    assertEquals("STREAMER_SOCKJS_ALLOWED_ORIGINS", ServerConfig.envName("sockjsAllowedOrigins"));
  }

  @Test
  void secretIsMaskedInToString() {
    ServerConfig c = ServerConfig.fromJson(new JsonObject().put("secret", "hunter2"));
    assertFalse(c.toString().contains("hunter2"), c.toString());
    assertEquals("hunter2", c.secret());
  }

  @Test
  void withRevalidates() {
    ServerConfig c = ServerConfig.defaults();
    assertEquals(1, c.with(new JsonObject().put("localPort", 1)).localPort());
    assertThrows(IllegalArgumentException.class, () -> c.with(new JsonObject().put("localPort", 70000)));
  }

  // ---- ConfigLoader: file < environment < flags ----

  @Test
  void environmentOverridesTheFile() {
    JsonObject raw = new JsonObject().put("localPort", 1111).put("maxMessageBytes", 2048)
        .put("STREAMER_LOCAL_PORT", "2222");
    ServerConfig c = ConfigLoader.resolve(raw, new JsonObject());
    assertEquals(2222, c.localPort());
    assertEquals(2048, c.maxMessageBytes());
  }

  @Test
  void flagsOverrideTheEnvironment() {
    JsonObject raw = new JsonObject().put("STREAMER_LOCAL_PORT", "2222").put("STREAMER_ANNOUNCE_INTERVAL_MILLIS", "300");
    ServerConfig c = ConfigLoader.resolve(raw, new JsonObject().put("localPort", "3333"));
    assertEquals(3333, c.localPort());
    assertEquals(300, c.announceIntervalMillis());
  }

  @Test
  void badEnvironmentValueNamesTheKey() {
    JsonObject raw = new JsonObject().put("STREAMER_MAX_MESSAGE_BYTES", "lots");
    String m = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.resolve(raw, new JsonObject()))
        .getMessage();
    assertTrue(m.contains("maxMessageBytes"), m);
  }

  @Test
  void realEnvironmentVariablesAreNotConfigKeys() {
    String someVar = System.getenv().keySet().stream().filter(k -> !k.startsWith("STREAMER_")).findFirst()
        .orElse(null);
    if (someVar != null) {
      JsonObject raw = new JsonObject().put(someVar, System.getenv(someVar));
      assertEquals(3780, ConfigLoader.resolve(raw, new JsonObject()).localPort());
    }
  }

  @Test
  void loadReadsTheFileAndNamesBadKeys(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("good.json");
    Files.writeString(good, new JsonObject().put("localPort", 4567).put("secret", "s").encode());
    ServerConfig c = ConfigLoader.load(vertx, good.toString(), new JsonObject().put("httpPort", "0"))
        .await(10, TimeUnit.SECONDS);
    assertEquals(4567, c.localPort());
    assertEquals(0, c.httpPort());

    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, new JsonObject().put("localPort", 70000).put("announceIntervalMillis", "abc")
        .put("unknownKey", 1).encode());
    Exception e = assertThrows(Exception.class,
        () -> ConfigLoader.load(vertx, bad.toString(), new JsonObject()).await(10, TimeUnit.SECONDS));
    String m = e.getMessage();
    assertTrue(m.contains("localPort") && m.contains("announceIntervalMillis") && m.contains("unknownKey"), m);

    Path notJson = dir.resolve("broken.json");
    Files.writeString(notJson, "{\"localPort\": ");
    Exception e2 = assertThrows(Exception.class,
        () -> ConfigLoader.load(vertx, notJson.toString(), new JsonObject()).await(10, TimeUnit.SECONDS));
    assertTrue(e2.getMessage().contains("broken.json"), e2.getMessage());

    Exception e3 = assertThrows(Exception.class,
        () -> ConfigLoader.load(vertx, dir.resolve("missing.json").toString(), new JsonObject())
            .await(10, TimeUnit.SECONDS));
    assertTrue(e3.getMessage().contains("missing.json"), e3.getMessage());
  }

  @Test
  void badFlagValueNamesTheKey() {
    Exception e = assertThrows(Exception.class,
        () -> ConfigLoader.load(vertx, null, new JsonObject().put("localPort", "abc")).await(10, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains("localPort"), e.getMessage());
  }
}
