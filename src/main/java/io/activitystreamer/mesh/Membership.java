package io.activitystreamer.mesh;

import static io.activitystreamer.mesh.MeshCore.LOG;

import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.TreeSet;

/**
 * Who is in the mesh: members learnt from hellos and announcements (a new incarnation of a name
 * supersedes the old one), announcements checked against the link they came on, and the mesh view.
 */
final class Membership {
  private final MemberTable table;
  private final MeshOptions opts;
  private final MeshOutbox out;
  private final FailureDetector detector;

  Membership(MemberTable table, MeshOptions opts, MeshOutbox out, FailureDetector detector) {
    this.table = table;
    this.opts = opts;
    this.out = out;
    this.detector = detector;
  }

  /** The member {@code id}, added to the view if new (and an older incarnation of its name declared dead). */
  Member learn(String id, String memberName, String host, int memberPort, long now) {
    Member m = table.get(id);
    if (m != null) {
      return m;
    }
    for (Member old : new ArrayList<>(table.members.values())) {
      if (old.name.equals(memberName) && old.status != Member.Status.DEAD) {
        LOG.info("[{}] {} is a new incarnation of {}: the old one is dead", table.self, id, old.id);
        detector.declareDead(old.id, now, null);
      }
    }
    m = new Member(id, memberName, host, memberPort, opts.maxBackoffMillis());
    m.suspectSince = now;
    m.nextConnectAt = now;
    table.members.put(id, m);
    LOG.info("[{}] member {} at {}:{} joined the view", table.self, id, host, memberPort);
    return m;
  }

  /** Adds members we did not know. True if the view changed. */
  boolean mergeMembers(JsonArray list, long now) {
    if (list == null) {
      return false;
    }
    boolean changed = false;
    for (int i = 0; i < list.size(); i++) {
      JsonObject j = list.getJsonObject(i);
      String id = j.getString(Fields.ID);
      Member known = id == null ? null : table.get(id);
      if (known != null && j.getInteger(Fields.HTTP_PORT) != null && known.httpPort != j.getInteger(Fields.HTTP_PORT)) {
        known.httpPort = j.getInteger(Fields.HTTP_PORT);
        changed = true;
      }
      if (id == null || id.equals(table.self) || table.dead.contains(id) || known != null) {
        continue;
      }
      if (Member.Status.DEAD.name().equals(j.getString(Fields.STATUS))) {
        continue;
      }
      Member m = learn(id, j.getString(Fields.NAME), j.getString(Fields.HOSTNAME), j.getInteger(Fields.PORT), now);
      if (j.getValue(Fields.TLS_PORT) instanceof Number t) {
        m.tlsPort = t.intValue();
      }
      changed = true;
    }
    return changed;
  }

  /** SERVER_ANNOUNCE on the link of {@code m} (null: not a member's link). */
  void onAnnounce(Member m, JsonObject msg, long now) {
    if (m == null) {
      return;
    }
    String problem = announceProblem(m, msg);
    if (problem != null) {
      LOG.warn("[{}] ignoring SERVER_ANNOUNCE on the link of {}: {}", table.self, m.id, problem);
      return;
    }
    int newLoad = msg.getInteger(Fields.LOAD, 0);
    boolean changed = newLoad != m.load;
    m.load = newLoad;
    m.linkedTo = MemberTable.aliveIn(msg.getJsonArray(Fields.MEMBERS));
    changed |= mergeMembers(msg.getJsonArray(Fields.MEMBERS), now);
    if (changed) {
      out.membersChanged();
    }
    if (msg.getValue(Fields.REDIRECTING) instanceof JsonObject to) {
      for (Member target : table.members.values()) {
        if (target.hostname.equals(to.getString(Fields.HOSTNAME)) && Integer.valueOf(target.port).equals(to.getValue(Fields.PORT))
            && target.status != Member.Status.DEAD) {
          out.inTransit(target.id); // (one of ours: it counts itself once the client arrives)
        }
      }
    }
  }

  /**
   * Why an announcement on {@code m}'s link is not taken, or null: its load must be a number in
   * 0..{@link MeshOptions#maxAnnouncedLoad} (maxConnections), and its id, hostname and port (when given) those the link
   * authenticated as, so one member cannot speak for another or draw every client with a low load.
   */
  private String announceProblem(Member m, JsonObject msg) {
    Object load = msg.getValue(Fields.LOAD);
    long max = opts.maxAnnouncedLoad();
    if (load != null && !(load instanceof Number n && n.longValue() >= 0 && n.longValue() <= max
        && n.doubleValue() == n.longValue())) {
      return "load " + load + " is not 0.." + max + " (maxConnections)";
    }
    Object id = msg.getValue(Fields.ID);
    if (id != null && !m.id.equals(id)) {
      return "id " + id + " is not the link's member";
    }
    Object host = msg.getValue(Fields.HOSTNAME);
    Object port = msg.getValue(Fields.PORT);
    if (host != null && !host.equals(m.hostname)
        || port != null && !(port instanceof Number p && p.longValue() == m.port)) {
      return "address " + host + ":" + port + " is not the member's " + m.hostname + ":" + m.port;
    }
    return null;
  }

  /** See {@link MeshCore#view}. */
  JsonObject view() {
    JsonArray list = new JsonArray();
    JsonArray ownLinks = new JsonArray();
    for (Member m : table.members.values()) {
      if (m.linkId != null) {
        ownLinks.add(m.id);
      }
    }
    list.add(table.selfEntry().put(Fields.LINKED, true).put(Fields.LOAD, table.load.getAsInt())
        .put(Fields.SELF, true).put(Fields.SEES, ownLinks));
    for (Member m : table.members.values()) {
      // sees: the members it last announced alive (for this server: those it has a link to); the
      // page draws the mesh's links from them
      list.add(m.toJson().put(Fields.LINKED, m.linkId != null).put(Fields.LOAD, m.load)
          .put(Fields.SEES, new JsonArray(new ArrayList<>(new TreeSet<>(m.linkedTo)))));
    }
    return new JsonObject().put(Fields.SELF, table.self).put(Fields.JOINED, table.joined).put(Fields.MEMBERS, list);
  }
}
