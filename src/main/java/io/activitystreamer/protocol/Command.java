package io.activitystreamer.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Every wire command, spelled as on the wire. {@link #fromClient} says whether a client (not an
 * authenticated server) may send it; {@link #fromServer} whether an authenticated peer may send it.
 */
public enum Command {
  // client -> server
  REGISTER(true, false),
  LOGIN(true, false),
  LOGOUT(true, false),
  ACTIVITY_MESSAGE(true, false),
  // server -> client replies
  REGISTER_SUCCESS(false, false),
  REGISTER_FAILED(false, false),
  LOGIN_SUCCESS(false, false),
  LOGIN_FAILED(false, false),
  REDIRECT(false, false),
  INVALID_MESSAGE(false, true),
  AUTHENTICATION_FAIL(false, true),
  ACTIVITY_BROADCAST(false, true),
  // server <-> server (the first message of a peer link is AUTHENTICATE; the rest is docs/mesh.md)
  AUTHENTICATE(false, true),
  // the handshake after AUTHENTICATE (docs/mesh.md "Authentication"); never valid on a link that is up
  AUTH_CHALLENGE(false, false),
  AUTH_PROOF(false, false),
  SERVER_ANNOUNCE(false, true),
  LOCK_REQUEST(false, true),
  LOCK_ALLOWED(false, true),
  LOCK_DENIED(false, true),
  LOCK_RELEASE(false, true),
  MESH_WELCOME(false, true),
  // a part of the join snapshot, right after a MESH_WELCOME that announces them; never valid on a link that is up
  MESH_SNAPSHOT(false, false),
  MESH_EVENT(false, true),
  MESH_DIGEST(false, true),
  MESH_RELAY(false, true),
  MEMBER_DEAD(false, true);

  private static final Map<String, Command> BY_NAME = new HashMap<>();

  static {
    for (Command c : values()) {
      BY_NAME.put(c.name(), c);
    }
  }

  private final boolean fromClient;
  private final boolean fromServer;

  Command(boolean fromClient, boolean fromServer) {
    this.fromClient = fromClient;
    this.fromServer = fromServer;
  }

  public boolean fromClient() {
    return fromClient;
  }

  public boolean fromServer() {
    return fromServer;
  }

  /** The command of that wire name, or null. */
  public static Command of(String name) {
    return BY_NAME.get(name);
  }
}
