package io.activitystreamer.protocol;

/** Every JSON field name of the wire protocol (client and mesh). No other class spells a field name. */
public final class Fields {
  private Fields() {}

  public static final String COMMAND = "command";
  public static final String INFO = "info";
  public static final String USERNAME = "username";
  public static final String SECRET = "secret";
  public static final String ACTIVITY = "activity";
  public static final String AUTHENTICATED_USER = "authenticated_user";
  public static final String HOSTNAME = "hostname";
  public static final String PORT = "port";
  public static final String LOAD = "load";
  public static final String ID = "id";

  // resume extension (docs/PROTOCOL.md section "Extensions")
  public static final String RESUME = "resume";
  public static final String SESSION = "session";
  public static final String SEQ = "seq";
  public static final String EID = "eid";
  public static final String RECEIVED = "received";
  public static final String LAST_SEQ = "lastSeq";
  public static final String DROPPED = "dropped";
  public static final String MEMBERS = "members";
  /** REDIRECT {resume: {token, expiresInMillis}} and the next LOGIN's resume.token (anonymous moves). */
  public static final String TOKEN = "token";
  public static final String EXPIRES_IN_MILLIS = "expiresInMillis";

  // mesh handshake (docs/mesh.md "Authentication")
  public static final String VERSION = "version";
  public static final String NONCE = "nonce";
  public static final String PROOF = "proof";
  /** A member's TLS port (0 = none); with meshTls, members dial each other there (docs/mesh.md "TLS"). */
  public static final String TLS_PORT = "tlsPort";

  public static final String ANONYMOUS = "anonymous";
}
