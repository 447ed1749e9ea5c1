package io.activitystreamer.state;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.state.EventBody.SessionAttached;
import io.activitystreamer.state.EventBody.SessionClosed;
import io.activitystreamer.state.EventBody.SessionDetached;
import io.activitystreamer.state.EventBody.SessionOpened;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The session table of the mesh as seen here: the open sessions (named users' and moving anonymous
 * ones), the ids of the closed ones, and the REDIRECT tokens of the moving ones. It applies the four
 * session events (which attach or detach wins is {@link SessionRecord#supersededBy}), detaches, freezes
 * and closes the sessions attached here, and answers which session a LOGIN takes over and which servers
 * it must hear from first. Plain and single-threaded; owned by {@link StateCore}, on the state loop.
 */
final class Sessions {
  /** Ends the issuer part of a token (the random part is URL-safe base64, without it). */
  static final char TOKEN_ISSUER_END = '~';

  private final String self;
  private final StateOptions options;
  private final StateOutbox outbox;
  private final StateCore.Emitter emitter;
  private final Progress progress;
  private long counter;
  /** Which hosts are live (the mesh tells): a LOGIN takes over a session whose server died. */
  Predicate<String> hostLive = h -> true;
  final Map<String, SessionRecord> table = new LinkedHashMap<>();
  /**
   * Ids of closed sessions. Events of different origins are applied in different orders on different
   * servers: a SESSION_CLOSED may arrive before the SESSION_OPENED it closes (the closer saw both), so a
   * late OPENED of a closed session is ignored, and an event naming a session not opened here yet waits.
   */
  final Set<String> closed = new HashSet<>();
  /** Token hash to the id of the moving anonymous session it resumes (see {@link StateCore#park}). */
  private final Map<String, String> tokens = new HashMap<>();

  Sessions(String self, StateOptions options, StateOutbox outbox, StateCore.Emitter emitter, Progress progress) {
    this.self = self;
    this.options = options;
    this.outbox = outbox;
    this.emitter = emitter;
    this.progress = progress;
  }

  /** The id of a new session opened here: this server's id, then a counter. */
  String newId() {
    return self + "/" + (++counter);
  }

  SessionRecord get(String id) {
    return table.get(id);
  }

  /** True once session {@code id} opened here (and maybe closed): an event naming it can be applied. */
  boolean known(String id) {
    return table.containsKey(id) || closed.contains(id);
  }

  // ---- the session events ----

  void onOpened(String origin, SessionOpened o) {
    if (closed.contains(o.id())) {
      return;
    }
    SessionRecord s = new SessionRecord(o.id(), o.username(), o.start(), origin, o.at(),
        SeqRanges.fromJson(null, o.lastSeq()));
    if (o.token() != null) {
      s.token = o.token();
      s.tokenExpires = o.expires();
      s.tokenBy = origin;
      s.lastOrigin = o.lastOrigin();
      s.lastAseq = o.lastAseq();
    }
    put(s);
  }

  void onAttached(String origin, SessionAttached a) {
    SessionRecord s = table.get(a.id());
    if (s == null || !s.supersededBy(a.v(), 1, origin)) {
      return; // an older takeover than the one applied here already
    }
    s.setVersion(a.v(), 1, origin);
    if (self.equals(s.host) && !self.equals(origin)) {
      outbox.kick(s.id);
    }
    s.host = origin;
    s.delivered = a.delivered();
    s.attachedAt = a.at();
  }

  void onDetached(String origin, SessionDetached d) {
    SessionRecord s = table.get(d.id());
    if (s != null && s.supersededBy(d.v(), 0, origin)) {
      if (self.equals(s.host) && !self.equals(origin)) {
        outbox.kick(s.id); // a concurrent detach elsewhere won: this connection no longer holds it
      }
      s.setVersion(d.v(), 0, origin);
      s.host = null;
      s.delivered = d.delivered();
      s.redirectedAt = d.redirectedAt() == null ? 0 : d.redirectedAt();
    }
  }

  void onClosed(String origin, SessionClosed c) {
    closed.add(c.id());
    SessionRecord s = table.remove(c.id());
    if (s != null && s.token != null) {
      tokens.remove(s.token);
    }
    if (s != null && self.equals(s.host) && !self.equals(origin)) {
      outbox.kick(s.id);
    }
  }

  /** Adds an open session (from an event or a join snapshot), with its token if it is moving. */
  void put(SessionRecord s) {
    table.put(s.id, s);
    if (s.token != null) {
      tokens.put(s.token, s.id);
    }
  }

  /** Before a join snapshot is installed: the open sessions go (the closed ids are installed apart). */
  void clearOpen() {
    table.clear();
    tokens.clear();
  }

  // ---- the sessions attached here ----

  /** See {@link StateCore#detach}. */
  void detach(String sessionId, long since, boolean exact, Vector read) {
    SessionRecord s = table.get(sessionId);
    if (s == null || !self.equals(s.host)) {
      return;
    }
    Vector exactly = s.frozen != null ? s.frozen : progress.applied.copy();
    Vector safe = (exact ? exactly : read != null ? read.copy()
        : progress.writtenBefore(s, since - options.redeliverWindowMillis())).mergeMax(s.delivered);
    s.frozen = null;
    // redirectedAt: placed elsewhere by the balancer, not to be sent on again at once
    emitter.emit(new SessionDetached(sessionId, safe, s.version + 1, exact ? since : null), null);
  }

  /** See {@link StateCore#freeze}. */
  void freeze(String sessionId, long now) {
    SessionRecord s = table.get(sessionId);
    if (s != null && self.equals(s.host)) {
      s.frozen = progress.writtenBefore(s, now - StateCore.REDIRECT_GRACE_MILLIS);
    }
  }

  void logout(String sessionId) {
    if (table.containsKey(sessionId)) {
      emitter.emit(new SessionClosed(sessionId), null);
    }
  }

  // ---- logins ----

  /** The session a LOGIN of {@code username} takes over: the one it resumes, or one of its detached or orphaned ones. */
  SessionRecord pick(String username, JsonObject resume) {
    if (resume != null && resume.getString(Fields.SESSION) != null) {
      SessionRecord s = table.get(resume.getString(Fields.SESSION));
      return s != null && s.username.equals(username) ? s : null;
    }
    for (SessionRecord s : table.values()) {
      if (s.username.equals(username) && (s.host == null || !hostLive.test(s.host))) {
        return s;
      }
    }
    return null;
  }

  /** See {@link StateCore#loginWaitsFor}. */
  Set<String> loginWaitsFor(String username, JsonObject resume) {
    Set<String> hosts = new HashSet<>();
    if (Fields.ANONYMOUS.equals(username)) {
      SessionRecord s = parked(resume);
      if (s != null && s.host != null && !s.host.equals(self)) {
        hosts.add(s.host); // the move's detach (and the client's last activities there) are on their way
      } else if (s == null && presentsToken(resume)) {
        // a token not known here yet: its issuer's SESSION_OPENED went out just before the REDIRECT and
        // may still be on its way (a forged or used token of a live issuer waits, then is no resume)
        String issuer = issuerOf(resume.getString(Fields.TOKEN));
        if (issuer != null && !issuer.equals(self)) {
          hosts.add(issuer);
        }
      }
      return hosts;
    }
    if (resume != null && resume.getString(Fields.SESSION) != null) {
      SessionRecord s = table.get(resume.getString(Fields.SESSION));
      if (s != null && s.username.equals(username) && s.host != null && !s.host.equals(self)) {
        hosts.add(s.host);
      }
      return hosts;
    }
    for (SessionRecord s : table.values()) {
      if (s.username.equals(username)) {
        if (s.host == null || s.token != null) {
          return Set.of();
        }
        if (!s.host.equals(self)) {
          hosts.add(s.host);
        }
      }
    }
    return hosts;
  }

  // ---- moving anonymous sessions ----

  /** The issuing server's id of a token from {@link StateCore#newToken}, or null. */
  static String issuerOf(String token) {
    int end = token.lastIndexOf(TOKEN_ISSUER_END);
    return end <= 0 ? null : token.substring(0, end);
  }

  /** True if {@code resume} carries a REDIRECT token (known here or not). */
  static boolean presentsToken(JsonObject resume) {
    return resume != null && resume.getValue(Fields.TOKEN) instanceof String;
  }

  /** The moving anonymous session {@code resume.token} names (expired or not), or null. */
  SessionRecord parked(JsonObject resume) {
    String id = presentsToken(resume) ? tokens.get(Secrets.tokenHash(resume.getString(Fields.TOKEN))) : null;
    return id == null ? null : table.get(id);
  }

  /**
   * Moving anonymous sessions whose token expired {@code grace} ago, which this server closes: those it
   * issued, or whose issuer is gone (every server that notices closes them: a second SESSION_CLOSED
   * changes nothing).
   */
  List<String> expiredMoves(long now, long grace) {
    if (tokens.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String id : tokens.values()) {
      SessionRecord s = table.get(id);
      if (s != null && now > s.tokenExpires + grace && (self.equals(s.tokenBy) || !hostLive.test(s.tokenBy))) {
        out.add(id);
      }
    }
    return out;
  }

  // ---- cursors ----

  boolean hasAttachedHere() {
    for (SessionRecord s : table.values()) {
      if (self.equals(s.host)) {
        return true;
      }
    }
    return false;
  }

  /** The per-origin minimum of every open session's cursor (a copy of the applied vector if none is open). */
  Vector minCursor() {
    Vector min = null;
    for (SessionRecord s : table.values()) {
      Vector c = progress.cursorOf(s);
      if (min == null) {
        min = c.copy();
      } else {
        Map<String, Long> m = min.asMap();
        for (String origin : new ArrayList<>(m.keySet())) {
          m.put(origin, Math.min(m.get(origin), c.get(origin)));
        }
      }
    }
    return min == null ? progress.applied.copy() : min;
  }
}
