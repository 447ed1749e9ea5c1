package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.util.Backoff;
import io.vertx.core.json.JsonObject;

/**
 * One server incarnation as this server sees it. {@code id} is the incarnation ({@code name#start});
 * {@code name} is the stable server name; a newer incarnation of a name supersedes an older one.
 */
public final class Member {
  public enum Status { ALIVE, SUSPECT, DEAD }

  final String id;
  final String name;
  final String hostname;
  final int port;
  Status status = Status.SUSPECT;
  String linkId;
  long lastHeard;
  long suspectSince;
  /** Last time a member linked to this server listed this one as linked to it (reachable through it). */
  long seenViaOthersAt;
  long nextConnectAt;
  /** Re-dial delays while the link is down: from 100 ms doubling up to the mesh's maxBackoffMillis. */
  final Backoff redial;
  boolean connecting;
  int load;
  /** Ids this member listed as ALIVE (linked to it) in its last announcement or hello. */
  java.util.Set<String> linkedTo = java.util.Set.of();
  int httpPort;
  /** Its TLS port (0 = none): where it is dialled when meshTls is on. */
  int tlsPort;

  Member(String id, String name, String hostname, int port, long maxBackoffMillis) {
    this.redial = new Backoff(100, maxBackoffMillis);
    this.id = id;
    this.name = name;
    this.hostname = hostname;
    this.port = port;
  }

  public String id() { return id; }
  public String name() { return name; }
  public String hostname() { return hostname; }
  public int port() { return port; }
  public int tlsPort() { return tlsPort; }
  public Status status() { return status; }
  public boolean linked() { return linkId != null; }
  public int load() { return load; }
  /** The HTTP port it announced (0 = none known). */
  public int httpPort() { return httpPort; }

  JsonObject toJson() {
    return new JsonObject().put(Fields.ID, id).put(Fields.NAME, name).put(Fields.HOSTNAME, hostname).put(Fields.PORT, port)
        .put(Fields.HTTP_PORT, httpPort).put(Fields.TLS_PORT, tlsPort).put(Fields.STATUS, status.name());
  }
}
