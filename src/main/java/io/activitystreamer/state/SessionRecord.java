package io.activitystreamer.state;

/**
 * A named user's session, replicated on every server. It opens at LOGIN_SUCCESS and closes at LOGOUT;
 * in between it is attached to one server ({@code host}) or detached ({@code host == null}) when its
 * connection broke, it was redirected, or its server died. It is owed every activity not covered by
 * {@code start}; {@code delivered} is what it is known to have been written. Owned by {@link StateCore}.
 *
 * <p>Also an anonymous resume client's position while a server-initiated REDIRECT moves it (username
 * {@code anonymous}, {@code token} set): opened at the freeze, detached at the REDIRECT, closed by the
 * LOGIN that presents the token, or when the token expires.
 */
public final class SessionRecord {
  final String id;
  final String username;
  final Vector start;
  Vector delivered;
  String host;
  /** Client seqs accepted (resume extension); the highest is the LOGIN reply's lastSeq. */
  final SeqRanges accepted;
  final long openedAt;
  /** Activity number of the last activity this session sent, per origin of that activity. */
  String lastOrigin;
  long lastAseq;
  /**
   * Which ATTACHED/DETACHED event last set {@code host}: servers apply those events of different origins
   * in different orders, so the newest by (v, ATTACHED over DETACHED, origin) wins everywhere, whatever
   * the order (two servers taking over one detached session at once end with the same host).
   */
  long version;
  /** When the balancer last redirected it (0: never), replicated with SESSION_DETACHED. */
  long redirectedAt;
  /**
   * When it last attached, on its host's clock (replicated with SESSION_ATTACHED): its backlog was
   * written then, so neither the redelivery window nor the host's progress covers what came with the
   * backlog until that is older than the window.
   */
  long attachedAt;
  /** Local only: the position fixed when a redirect of its connection here began. */
  Vector frozen;
  int versionRank;
  String versionOrigin = "";
  /** A moving anonymous session: SHA-256 of the token that resumes it (null: not one). */
  String token;
  /** Until when (its issuer's clock) the token resumes it. */
  long tokenExpires;
  /** The server that issued the token, which closes the session once it expired. */
  String tokenBy;

  SessionRecord(String id, String username, Vector start, String host, long openedAt, SeqRanges accepted) {
    this.id = id;
    this.username = username;
    this.start = start;
    this.delivered = start.copy();
    this.host = host;
    this.openedAt = openedAt;
    this.accepted = accepted;
  }

  public String id() { return id; }
  public String username() { return username; }
  public String host() { return host; }
  public Vector delivered() { return delivered; }
  public long lastSeq() { return accepted.max(); }

  /** True if an event with this version, rank (1 ATTACHED, 0 DETACHED) and origin supersedes the current host. */
  boolean supersededBy(long v, int rank, String origin) {
    if (v != version) {
      return v > version;
    }
    if (rank != versionRank) {
      return rank > versionRank;
    }
    return origin.compareTo(versionOrigin) > 0;
  }

  void setVersion(long v, int rank, String origin) {
    version = v;
    versionRank = rank;
    versionOrigin = origin;
  }
}
