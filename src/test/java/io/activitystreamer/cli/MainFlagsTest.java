package io.activitystreamer.cli;

import io.activitystreamer.util.Cli;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The classic server flags, spelled as in PROTOCOL.md section 7, become the config keys they override. */
class MainFlagsTest {

  private static JsonObject flags(String... argv) {
    Main main = new Main();
    Cli.commandLine(main).parseArgs(argv);
    return main.flags();
  }

  @Test
  void everyClassicFlagSetsItsKey() {
    JsonObject expected = new JsonObject().put("localPort", 3781).put("localHostname", "h1")
        .put("remoteHostname", "h0").put("remotePort", 3780).put("secret", "-abc").put("announceIntervalMillis", 200)
        .put("httpPort", 0).put("dataDir", "none");
    assertEquals(expected, flags("-lp", "3781", "-lh", "h1", "-rh", "h0", "-rp", "3780", "-s", "-abc", "-a", "200",
        "-hp", "0", "-d", "none"));
  }

  @Test
  void flagsNotGivenLeaveTheFileAndTheEnvironmentAlone() {
    assertEquals(new JsonObject(), flags());
    assertEquals(new JsonObject().put("httpPort", 0), flags("-conf", "conf/server.json", "-hp", "0"));
  }

  @Test
  void aFlagGivenTwiceTakesTheLastValue() {
    assertEquals(new JsonObject().put("localPort", 2), flags("-lp", "1", "-lp", "2"));
  }
}
