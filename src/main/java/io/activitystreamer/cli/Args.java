package io.activitystreamer.cli;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** Classic command-line flags of PROTOCOL.md section 7, mapped onto config keys. */
final class Args {
  /** Server flags: flag -> config key. */
  static final Map<String, String> SERVER_FLAGS = new LinkedHashMap<>();

  static {
    SERVER_FLAGS.put("-lp", "localPort");
    SERVER_FLAGS.put("-lh", "localHostname");
    SERVER_FLAGS.put("-rh", "remoteHostname");
    SERVER_FLAGS.put("-rp", "remotePort");
    SERVER_FLAGS.put("-s", "secret");
    SERVER_FLAGS.put("-a", "announceIntervalMillis");
    SERVER_FLAGS.put("-hp", "httpPort");
  }

  final JsonObject flags = new JsonObject();
  String confFile;
  boolean help;

  /** Parses server arguments; throws IllegalArgumentException with a message for the user. */
  static Args server(String[] argv) {
    Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      String f = argv[i];
      if (f.equals("-h") || f.equals("--help")) {
        a.help = true;
        continue;
      }
      if (i + 1 >= argv.length) {
        throw new IllegalArgumentException("flag " + f + " needs a value");
      }
      String v = argv[++i];
      if (f.equals("-conf")) {
        a.confFile = v;
      } else if (SERVER_FLAGS.containsKey(f)) {
        a.flags.put(SERVER_FLAGS.get(f), v);
      } else {
        throw new IllegalArgumentException("unknown flag " + f + " (try -h)");
      }
    }
    return a;
  }

  static final String SERVER_USAGE = String.join("\n",
      "usage: java -jar activitystreamer.jar [flags]                      run a server",
      "       java -jar activitystreamer.jar client -rh HOST -rp PORT [-u USER] [-s SECRET] [--json] [--tls] [--ca FILE]",
      "       java -jar activitystreamer.jar bench ...                     load generator (bench -h)",
      "",
      "server flags:",
      "  -lp PORT     port for clients and servers (config localPort, default 3780; 0 = any)",
      "  -lh HOST     hostname announced to servers and clients (localHostname, default localhost)",
      "  -rh HOST     a member of the mesh to join (remoteHostname; none = start a new mesh)",
      "  -rp PORT     its port (remotePort, default 3780)",
      "  -s SECRET    mesh secret (secret; generated and printed when missing)",
      "  -a MILLIS    announce interval (announceIntervalMillis, default 5000)",
      "  -hp PORT     HTTP port for SockJS, the web client and ops endpoints (httpPort, default 8780; 0 = off)",
      "  -conf FILE   JSON config file (every key: see conf/server.json and docs/configuration.md)",
      "  -h           this help",
      "every config key can also be set by environment variable STREAMER_<KEY_IN_UPPER_SNAKE_CASE>,",
      "e.g. STREAMER_MAX_MESSAGE_BYTES=131072; flags win over the environment, which wins over the file.");
}
