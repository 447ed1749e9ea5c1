package io.activitystreamer.state;

import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;

/**
 * The state's part of the join snapshot (also what the store writes): users, open sessions, the applied
 * vector, the activity log, each host's progress and the closed session ids, to JSON and back. The only
 * place that spells the snapshot's field names (constants of {@link Fields}); the keys keep the order
 * written here. Plain and single-threaded; owned by {@link StateCore}, on the state loop.
 */
final class StateSnapshot {
  private final Users users;
  private final Sessions sessions;
  private final Progress progress;
  private final ActivityLog log;

  StateSnapshot(Users users, Sessions sessions, Progress progress, ActivityLog log) {
    this.users = users;
    this.sessions = sessions;
    this.progress = progress;
    this.log = log;
  }

  JsonObject snapshot() {
    JsonArray u = new JsonArray();
    users.all().forEach(r -> u.add(r.toJson()));
    JsonArray s = new JsonArray();
    sessions.table.values().forEach(r -> s.add(session(r)));
    JsonObject hosts = new JsonObject();
    progress.hosts.forEach((h, v) -> hosts.put(h, v.toJson()));
    JsonObject hostsAt = new JsonObject();
    progress.hostsAt.forEach(hostsAt::put);
    return new JsonObject().put(Fields.USERS, u).put(Fields.SESSIONS, s).put(Fields.APPLIED, progress.applied.toJson())
        .put(Fields.LOG, log()).put(Fields.HOST_PROGRESS, hosts).put(Fields.HOST_PROGRESS_AT, hostsAt)
        .put(Fields.CLOSED, new JsonArray(new ArrayList<>(sessions.closed)));
  }

  /**
   * Installs a member's snapshot: users, sessions, host progress and closed ids are replaced; the applied
   * vector and the log's pruned vector are raised to the snapshot's, and its log entries appended.
   */
  void install(JsonObject snap) {
    users.clearRegistered();
    sessions.clearOpen();
    progress.hosts.clear();
    progress.hostsAt.clear();
    JsonArray u = snap.getJsonArray(Fields.USERS);
    for (int i = 0; i < u.size(); i++) {
      users.onRegistered(UserRecord.fromJson(u.getJsonObject(i)));
    }
    sessions.closed.clear();
    snap.getJsonArray(Fields.CLOSED, new JsonArray()).forEach(id -> sessions.closed.add((String) id));
    JsonArray s = snap.getJsonArray(Fields.SESSIONS);
    for (int i = 0; i < s.size(); i++) {
      sessions.put(session(s.getJsonObject(i)));
    }
    progress.applied.mergeMax(Vector.fromJson(snap.getJsonObject(Fields.APPLIED)));
    JsonObject hosts = snap.getJsonObject(Fields.HOST_PROGRESS);
    for (String h : hosts.fieldNames()) {
      progress.hosts.put(h, Vector.fromJson(hosts.getJsonObject(h)));
    }
    JsonObject hostsAt = snap.getJsonObject(Fields.HOST_PROGRESS_AT, new JsonObject());
    for (String h : hostsAt.fieldNames()) {
      progress.hostsAt.put(h, hostsAt.getLong(h));
    }
    JsonObject logJson = snap.getJsonObject(Fields.LOG);
    JsonArray entries = logJson.getJsonArray(Fields.ENTRIES);
    for (int i = 0; i < entries.size(); i++) {
      JsonObject e = entries.getJsonObject(i);
      log.append(e.getString(Fields.ORIGIN), e.getLong(Fields.ASEQ), e.getLong(Fields.AT), e.getJsonObject(Fields.ACTIVITY));
    }
    log.pruned().mergeMax(Vector.fromJson(logJson.getJsonObject(Fields.PRUNED)));
  }

  private JsonObject log() {
    JsonArray list = new JsonArray();
    for (ActivityLog.Entry e : log.entries()) {
      list.add(new JsonObject().put(Fields.ORIGIN, e.origin()).put(Fields.ASEQ, e.aseq()).put(Fields.AT, e.acceptedAt())
          .put(Fields.ACTIVITY, e.activity()));
    }
    return new JsonObject().put(Fields.ENTRIES, list).put(Fields.PRUNED, log.pruned().toJson());
  }

  private static JsonObject session(SessionRecord s) {
    JsonObject j = new JsonObject().put(Fields.ID, s.id).put(Fields.USERNAME, s.username)
        .put(Fields.START, s.start.toJson()).put(Fields.DELIVERED, s.delivered.toJson()).put(Fields.HOST, s.host)
        .put(Fields.ACCEPTED, s.accepted.toJson()).put(Fields.LAST_SEQ, s.accepted.max())
        .put(Fields.OPENED_AT, s.openedAt).put(Fields.LAST_ORIGIN, s.lastOrigin).put(Fields.LAST_ASEQ, s.lastAseq)
        .put(Fields.VERSION, s.version).put(Fields.VERSION_RANK, s.versionRank)
        .put(Fields.VERSION_ORIGIN, s.versionOrigin).put(Fields.ATTACHED_AT, s.attachedAt);
    if (s.token != null) {
      j.put(Fields.TOKEN, s.token).put(Fields.TOKEN_EXPIRES, s.tokenExpires).put(Fields.TOKEN_BY, s.tokenBy);
    }
    return j;
  }

  private static SessionRecord session(JsonObject j) {
    SessionRecord s = new SessionRecord(j.getString(Fields.ID), j.getString(Fields.USERNAME),
        Vector.fromJson(j.getJsonObject(Fields.START)), j.getString(Fields.HOST), j.getLong(Fields.OPENED_AT, 0L),
        SeqRanges.fromJson(j.getJsonArray(Fields.ACCEPTED), j.getLong(Fields.LAST_SEQ, 0L)));
    s.delivered = Vector.fromJson(j.getJsonObject(Fields.DELIVERED));
    s.lastOrigin = j.getString(Fields.LAST_ORIGIN);
    s.lastAseq = j.getLong(Fields.LAST_ASEQ, 0L);
    s.attachedAt = j.getLong(Fields.ATTACHED_AT, 0L);
    s.setVersion(j.getLong(Fields.VERSION, 0L), j.getInteger(Fields.VERSION_RANK, 0),
        j.getString(Fields.VERSION_ORIGIN, ""));
    s.token = j.getString(Fields.TOKEN);
    s.tokenExpires = j.getLong(Fields.TOKEN_EXPIRES, 0L);
    s.tokenBy = j.getString(Fields.TOKEN_BY);
    return s;
  }
}
