package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Fields;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * This server's identity and its view of the mesh: the members it knows, the link each is reached on,
 * the incarnations held dead, and what it announces about itself. Shared by the collaborators of
 * {@link MeshCore}; answers questions, decides nothing.
 */
final class MemberTable {
  final String self;
  final String name;
  final String hostname;
  int port;
  int httpPort;
  int tlsPort;
  IntSupplier load = () -> 0;
  /** Holds a state the mesh agreed on (alone, or from a join snapshot); false again once declared dead. */
  boolean joined;
  final Map<String, Member> members = new LinkedHashMap<>();
  final Map<String, String> linkMember = new HashMap<>();
  final Map<String, Boolean> linkInitiatedBySelf = new HashMap<>();
  final Set<String> dead = new HashSet<>();
  private final MeshOptions opts;
  private final MeshOutbox out;
  private long lastAnnounce;

  MemberTable(String self, String name, String hostname, int port, MeshOptions opts, MeshOutbox out) {
    this.self = self;
    this.name = name;
    this.hostname = hostname;
    this.port = port;
    this.opts = opts;
    this.out = out;
  }

  Member get(String id) {
    return members.get(id);
  }

  boolean isLinked(String memberId) {
    Member m = members.get(memberId);
    return m != null && m.linkId != null;
  }

  List<String> linkedIds() {
    List<String> ids = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.linkId != null) {
        ids.add(m.id);
      }
    }
    return ids;
  }

  /** Every member not held dead, linked or not: a suspect member must answer too (or be declared dead). */
  Set<String> liveMembers() {
    Set<String> s = new HashSet<>();
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        s.add(m.id);
      }
    }
    return s;
  }

  /** Members not held dead, this server included. */
  int liveCount() {
    int n = 1;
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        n++;
      }
    }
    return n;
  }

  /** True while a member linked to this server lists {@code id} as linked to it. */
  boolean seenByOthers(String id) {
    return relayFor(id) != null;
  }

  /** A member linked to this server that lists {@code id} as linked to it (it can relay), or null. */
  Member relayFor(String id) {
    for (Member x : members.values()) {
      if (x.linkId != null && x.linkedTo.contains(id)) {
        return x;
      }
    }
    return null;
  }

  /**
   * Whether host {@code h} holds its sessions: this server, a linked one, or one our link to is down
   * but another member still links (a partial partition): a LOGIN here must not take them over.
   */
  boolean holdsSessions(String h) {
    return h.equals(self) || isLinked(h) || !dead.contains(h) && seenByOthers(h);
  }

  boolean linkedIncarnationOf(String memberName) {
    for (Member m : members.values()) {
      if (m.name.equals(memberName) && m.linkId != null) {
        return true;
      }
    }
    return false;
  }

  /** Where {@code m} is dialled: its tlsPort when links use TLS (and it has one), else its port. */
  int dialPort(Member m) {
    return opts.meshTls() && m.tlsPort > 0 ? m.tlsPort : m.port;
  }

  /** One line to every linked member. */
  void broadcast(Buffer line) {
    for (String linkId : linkMember.keySet()) {
      out.send(linkId, line);
    }
  }

  boolean announceDue(long now) {
    return now - lastAnnounce >= opts.announceIntervalMillis();
  }

  /** SERVER_ANNOUNCE to every linked member; {@code redirecting}: {hostname, port} of a redirect's target, or null. */
  void announce(long now, JsonObject redirecting) {
    lastAnnounce = now;
    broadcast(PeerMessages.announce(self, name, hostname, port, load.getAsInt(), memberList(), redirecting));
  }

  /** This server's own entry of a member list. */
  JsonObject selfEntry() {
    return new JsonObject().put(Fields.ID, self).put(Fields.NAME, name).put(Fields.HOSTNAME, hostname)
        .put(Fields.PORT, port).put(Fields.HTTP_PORT, httpPort).put(Fields.TLS_PORT, tlsPort)
        .put(Fields.STATUS, Member.Status.ALIVE.name());
  }

  /** This server and every member not held dead, as announced and welcomed. */
  JsonArray memberList() {
    JsonArray list = new JsonArray();
    list.add(selfEntry());
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        list.add(m.toJson());
      }
    }
    return list;
  }

  /** The ids listed ALIVE (linked to the member that sent the list). */
  static Set<String> aliveIn(JsonArray list) {
    Set<String> ids = new HashSet<>();
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        JsonObject j = list.getJsonObject(i);
        if (Member.Status.ALIVE.name().equals(j.getString(Fields.STATUS))) {
          ids.add(j.getString(Fields.ID));
        }
      }
    }
    return ids;
  }

  /** The server name of an incarnation id ({@code name#suffix}). */
  static String nameOf(String incarnation) {
    int hash = incarnation.lastIndexOf('#');
    return hash < 0 ? incarnation : incarnation.substring(0, hash);
  }
}
