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


  // mesh messages (docs/mesh.md): member lists, join, snapshot, replication, verdicts, name agreement
  public static final String NAME = "name";
  public static final String STATUS = "status";
  public static final String HTTP_PORT = "httpPort";
  public static final String JOIN = "join";
  /** MESH_WELCOME: the join snapshot (once its MESH_SNAPSHOT parts are put together). */
  public static final String SNAPSHOT = "snapshot";
  /** MESH_WELCOME: how many MESH_SNAPSHOT lines follow it (the join snapshot's JSON text, in order). */
  public static final String SNAPSHOT_PARTS = "snapshotParts";
  public static final String PART = "part";
  public static final String DATA = "data";
  /** SERVER_ANNOUNCE: {hostname, port} of the member a client is being redirected to. */
  public static final String REDIRECTING = "redirecting";
  public static final String EVENT = "event";
  public static final String POSITIONS = "positions";
  public static final String HELLO = "hello";
  public static final String LINKED = "linked";
  /** MESH_DIGEST: a login sync asks for an answer at once ({@code sync}: the asker's opaque number) and the answer echoes it ({@code syncOf}). */
  public static final String SYNC = "sync";
  public static final String SYNC_OF = "syncOf";
  /** MEMBER_DEAD refusing a link: the refusing server and its live member count. */
  public static final String BY = "by";
  public static final String LIVE = "live";
  /** Added by PeerLink to a MEMBER_DEAD refusal it hands to the state: the address it had dialled. */
  public static final String VIA_HOSTNAME = "viaHostname";
  public static final String VIA_PORT = "viaPort";
  public static final String TS = "ts";
  public static final String REQUESTER = "requester";
  /** MESH_RELAY: the member it is for, the member that sent it, and the relayed LOCK_* message. */
  public static final String TO = "to";
  public static final String FROM = "from";
  public static final String MSG = "msg";
  // the join snapshot's (and the store's) parts
  public static final String STATE = "state";
  public static final String RETAINED = "retained";
  // the mesh view (/api/mesh)
  public static final String SELF = "self";
  public static final String SEES = "sees";
  public static final String JOINED = "joined";

  // the replicated state (state.EventCodec, state.StateSnapshot): event bodies, session and user records, the
  // join snapshot's state part
  public static final String ORIGIN = "origin";
  public static final String AT = "at";
  public static final String START = "start";
  public static final String DELIVERED = "delivered";
  /** SESSION_ATTACHED / SESSION_DETACHED: the version of the session's host this event sets. */
  public static final String V = "v";
  public static final String REDIRECTED_AT = "redirectedAt";
  public static final String EXPIRES = "expires";
  public static final String LAST_ORIGIN = "lastOrigin";
  public static final String LAST_ASEQ = "lastAseq";
  public static final String VECTOR = "vector";
  public static final String USER = "user";
  public static final String SSEQ = "sseq";
  public static final String ASEQ = "aseq";
  public static final String DEP = "dep";
  public static final String SALT = "salt";
  public static final String HASH = "hash";
  public static final String ITERATIONS = "iterations";
  public static final String REGISTERED_AT = "registeredAt";
  public static final String HOST = "host";
  public static final String ACCEPTED = "accepted";
  public static final String OPENED_AT = "openedAt";
  public static final String VERSION_RANK = "versionRank";
  public static final String VERSION_ORIGIN = "versionOrigin";
  public static final String ATTACHED_AT = "attachedAt";
  public static final String TOKEN_EXPIRES = "tokenExpires";
  public static final String TOKEN_BY = "tokenBy";
  public static final String USERS = "users";
  public static final String SESSIONS = "sessions";
  public static final String APPLIED = "applied";
  public static final String LOG = "log";
  public static final String ENTRIES = "entries";
  public static final String PRUNED = "pruned";
  public static final String HOST_PROGRESS = "hostProgress";
  public static final String HOST_PROGRESS_AT = "hostProgressAt";
  public static final String CLOSED = "closed";

  public static final String ANONYMOUS = "anonymous";

  // the gateway's bus bodies to the state (register, login, freeze, detach) and from the balancer (rebalance)
  /** A name's lookup: the registration that lost a partition's name agreement, kept for its LOGIN's answer. */
  public static final String LOST = "lost";
  /** The gateway connection a LOGIN (or its cancel) comes from. */
  public static final String CONNECTION = "connection";
  public static final String TARGET = "target";
  public static final String SINCE = "since";
  public static final String EXACT = "exact";
  public static final String FROZEN = "frozen";
  /** A detach: the positions the client is known to have read through. */
  public static final String READ = "read";
  public static final String COUNT = "count";
  public static final String MOVED = "moved";

  // the state's carry-over ({users, events}), member list, view counters and bus bodies (state/)
  public static final String EVENTS = "events";
  public static final String REDIRECTS_BEGUN = "redirectsBegun";
  public static final String SESSIONS_HERE = "sessionsHere";
  public static final String SESSIONS_DETACHED = "sessionsDetached";
  public static final String BACKLOG_ENTRIES = "backlogEntries";
  public static final String BACKLOG_BYTES = "backlogBytes";
  public static final String BACKLOG_DROPPED = "backlogDropped";
  public static final String RETAINED_EVENTS = "retainedEvents";
  public static final String RETAINED_DROPPED = "retainedDropped";
  public static final String PENDING_EVENTS = "pendingEvents";
  public static final String PENDING_LOGINS = "pendingLogins";
  public static final String STORE = "store";
  public static final String SELF_PORT = "selfPort";
  public static final String CARRY_OVER = "carryOver";
}
