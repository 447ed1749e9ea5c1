package io.activitystreamer.client;

import io.activitystreamer.util.Cli;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.state.Secrets;
import io.activitystreamer.util.Backoff;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The bundled terminal client: {@code client -rh HOST -rp PORT [-u USER] [-s SECRET] [--json] [--tls]
 * [--ca FILE]}. With {@code --tls} it speaks TLS (to a server's {@code tlsPort}) and verifies the
 * server's certificate and host name, against {@code --ca FILE} (PEM) or the JVM's default CAs.
 * Registers with a generated secret when only {@code -u} is given, logs in with the resume extension,
 * follows REDIRECT, and when its server goes away logs in again through another member it learned of,
 * resending what the server had not accepted (exactly once). Reads lines from {@link ClientConsole}
 * (JLine line editing and history on a terminal, plain stdin when piped): a JSON object is sent as the
 * activity, any other line as {@code {"text": line}}. Blocking sockets: one reader thread, main thread
 * for the console. {@link ClientConnector} dials (and registers), {@link ClientMessages} builds and reads
 * the lines; this class keeps the session, the resume state and the threads.
 */
public final class TerminalClient {
  private final ClientConsole out;
  private final boolean json;
  private final String username;
  private String secret;
  private final Set<String> members = new LinkedHashSet<>();
  private String host;
  private int port;
  private String session;
  /** The token of the last REDIRECT (anonymous: carries the position to the next LOGIN), or null. */
  private volatile String redirectToken;
  private final Map<String, Long> received = new HashMap<>();
  private final ArrayDeque<JsonObject> unacked = new ArrayDeque<>();
  private long seq;
  private volatile Socket socket;
  private volatile OutputStream sink;
  private volatile boolean quitting;
  /** Set when run from the command line: exit once no server can be reached any more. */
  private boolean exitWhenLost;
  private final ClientConnector connector;

  TerminalClient(String host, int port, String username, String secret, boolean json, ClientConsole out) {
    this.host = host;
    this.port = port;
    this.username = username == null ? Fields.ANONYMOUS : username;
    this.secret = secret;
    this.json = json;
    this.out = out;
    this.connector = new ClientConnector(out);
  }

  /** {@code client ...}: the command line of the terminal client. */
  @CommandLine.Command(name = "client", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      sortOptions = false, usageHelpAutoWidth = true, separator = " ",
      header = "The terminal client: logs in to a server, prints the mesh's activities, sends the lines typed.",
      description = "Without -s, USER is registered with a generated secret, which is printed; without -u, logs"
          + " in as anonymous. Type lines to send: JSON objects as they are, other text as {\"text\": ...}."
          + " Ctrl-D logs out.")
  public static final class Command implements Callable<Integer> {
    @Option(names = "-rh", paramLabel = "HOST", order = 1, description = "the server (default ${DEFAULT-VALUE})")
    String host = "localhost";
    @Option(names = "-rp", paramLabel = "PORT", order = 2, description = "its port (default ${DEFAULT-VALUE})")
    int port = 3780;
    @Option(names = "-u", paramLabel = "USER", order = 3, description = "username (default: anonymous)")
    String user;
    @Option(names = "-s", paramLabel = "SECRET", order = 4, description = "secret of USER")
    String secret;
    @Option(names = "--json", order = 5, description = "print the raw protocol lines")
    boolean json;
    @Option(names = "--tls", order = 6, description = "connect with TLS (PORT is the server's tlsPort); the server's"
        + " certificate and host name are verified against the JVM's default CAs, or those of --ca")
    boolean useTls;
    @Option(names = "--ca", paramLabel = "FILE", order = 7,
        description = "verify the server against the CA certificates in FILE (PEM); implies --tls")
    String ca;

    @Override
    public Integer call() {
      try (ClientConsole console = ClientConsole.system()) {
        TerminalClient client = new TerminalClient(host, port, user, secret, json, console);
        client.exitWhenLost = true;
        if (useTls || ca != null) {
          client.connector.useTls(ca);
        }
        return client.session();
      } catch (IOException | GeneralSecurityException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
    }
  }

  int session() throws IOException {
    members.add(host + ":" + port);
    if (!username.equals(Fields.ANONYMOUS) && secret == null) {
      secret = Secrets.generate();
      if (!connector.register(host, port, username, secret)) {
        return 1;
      }
      out.println("registered " + username + " with secret " + secret);
    }
    if (!connectAndLogin()) {
      return 1;
    }
    String line;
    while ((line = out.readLine()) != null) {
      if (!line.isBlank()) {
        send(ClientMessages.toActivity(line));
      }
    }
    quitting = true;
    writeLine(ClientMessages.logout());
    socket.close();
    return 0;
  }

  private synchronized void send(JsonObject activity) {
    JsonObject msg = ClientMessages.activity(username, secret, activity, ++seq);
    unacked.addLast(msg);
    writeLine(msg);
  }

  private synchronized void writeLine(JsonObject msg) {
    try {
      if (sink != null) {
        sink.write(ClientConnector.line(msg));
        sink.flush();
      }
    } catch (IOException e) {
      // the reader thread sees the broken connection and reconnects; unacked messages are resent
    }
  }

  /** Connects to the current server (or any known member) and logs in; starts the reader thread. */
  private boolean connectAndLogin() {
    Set<String> candidates = new LinkedHashSet<>();
    candidates.add(host + ":" + port);
    candidates.addAll(members);
    Backoff backoff = new Backoff(100, 2000);
    for (int attempt = 0; attempt < 30 && !quitting; attempt++) {
      for (String hp : candidates) {
        int i = hp.lastIndexOf(':');
        if (tryLogin(hp.substring(0, i), Integer.parseInt(hp.substring(i + 1)))) {
          return true;
        }
        if (quitting) {
          return false; // the server refused the login: asking another one will not help
        }
      }
      try {
        Thread.sleep(backoff.next());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    out.println("no server reachable");
    return false;
  }

  private boolean tryLogin(String h, int p) {
    try {
      Socket s = connector.open(h, p, 3000);
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      JsonObject login = ClientMessages.login(username, secret, receivedJson(), session, redirectToken);
      s.getOutputStream().write(ClientConnector.line(login));
      String first = in.readLine();
      if (first == null) {
        s.close();
        return false;
      }
      JsonObject reply = new JsonObject(first);
      if (json) {
        out.println(first);
      }
      if (!ClientMessages.isLoginSuccess(reply)) {
        out.println("login failed: " + ClientMessages.info(reply));
        s.close();
        quitting = true;
        return false;
      }
      host = h;
      port = p;
      redirectToken = null; // used (a token resumes once)
      session = reply.getString(Fields.SESSION, session);
      JsonArray m = reply.getJsonArray(Fields.MEMBERS);
      if (m != null) {
        m.forEach(x -> members.add(String.valueOf(x)));
      }
      if (!json) {
        out.println("logged in as " + username + " on " + h + ":" + p);
      }
      synchronized (this) {
        socket = s;
        sink = s.getOutputStream();
        long last = reply.getLong(Fields.LAST_SEQ, 0L);
        unacked.removeIf(msg -> msg.getLong(Fields.SEQ) <= last);
        for (JsonObject msg : unacked) {
          writeLine(msg);
        }
      }
      Thread reader = new Thread(() -> read(s, in), "client-reader");
      reader.setDaemon(true);
      reader.start();
      return true;
    } catch (IOException | DecodeException e) {
      return false;
    }
  }

  private JsonObject receivedJson() {
    JsonObject j = new JsonObject();
    received.forEach(j::put);
    return j;
  }

  private void read(Socket s, BufferedReader in) {
    try {
      String line;
      while ((line = in.readLine()) != null) {
        onLine(line);
      }
    } catch (IOException e) {
      // connection lost
    }
    if (!quitting && s == socket) {
      out.println("connection to " + host + ":" + port + " lost; reconnecting");
      if (!connectAndLogin() && exitWhenLost) {
        // the main thread is blocked reading stdin: end the process rather than hang
        out.close();
        System.exit(1);
      }
    }
  }

  private void onLine(String line) {
    JsonObject msg;
    try {
      msg = new JsonObject(line);
    } catch (DecodeException e) {
      return;
    }
    String command = msg.getString(Fields.COMMAND, "");
    switch (command) {
      case "ACTIVITY_BROADCAST" -> onBroadcast(line, msg);
      case "REDIRECT" -> {
        host = msg.getString(Fields.HOSTNAME);
        port = msg.getInteger(Fields.PORT);
        JsonObject resume = msg.getValue(Fields.RESUME) instanceof JsonObject r ? r : null;
        redirectToken = resume != null && resume.getValue(Fields.TOKEN) instanceof String t ? t : null;
        out.println(json ? line : "redirected to " + host + ":" + port);
      }
      default -> out.println(json ? line : command + ": " + msg.getString(Fields.INFO, ""));
    }
  }

  private void onBroadcast(String line, JsonObject msg) {
    JsonObject eid = msg.getJsonObject(Fields.EID);
    if (eid != null) {
      String origin = ClientMessages.origin(eid);
      long n = ClientMessages.number(eid);
      if (received.getOrDefault(origin, 0L) >= n) {
        return;
      }
      received.put(origin, n);
    }
    JsonObject activity = msg.getJsonObject(Fields.ACTIVITY, new JsonObject());
    if (username.equals(activity.getString(Fields.AUTHENTICATED_USER))) {
      synchronized (this) {
        if (!unacked.isEmpty()) {
          unacked.pollFirst();
        }
      }
    }
    if (json) {
      out.println(line);
      return;
    }
    out.println(ClientMessages.shown(activity));
  }
}
