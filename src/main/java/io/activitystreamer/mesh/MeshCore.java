package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.state.Event;
import io.activitystreamer.state.StateCore;
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
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership, failure detection, replication and name agreement of one server. Pure and
 * single-threaded: StateVerticle feeds it link events, peer messages and ticks with the time; it acts
 * through a {@link MeshOutbox}. See docs/mesh.md for the protocol.
 *
 * <p>Links: the member with the smaller id connects (a joining server also connects to its seed); when
 * two links to one member exist, both sides keep the one initiated by the smaller id (the newest of
 * those). A member whose link is down is SUSPECT and is re-dialled with backoff; after
 * {@code suspicionMillis} without a link, and without a linked member that still lists it as linked
 * (the indirect probe), it is declared DEAD, and the verdict (MEMBER_DEAD) is sent to
 * every member, so all reach it. A server told it is dead rejoins as a new incarnation.
 */
public final class MeshCore {
  private static final Logger LOG = LoggerFactory.getLogger(MeshCore.class);

  private final String self;
  private final String name;
  private final String hostname;
  private int port;
  private int httpPort;
  private int tlsPort;
  private final MeshOptions opts;
  private final StateCore state;
  private final MeshOutbox out;
  private final Replicator replicator;
  private final Registrar registrar;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Map<String, String> linkMember = new HashMap<>();
  private final Map<String, Boolean> linkInitiatedBySelf = new HashMap<>();
  private final Map<String, Map<String, Long>> acks = new HashMap<>();
  /** When each member's digest (its acks) was last received. */
  private final Map<String, Long> ackTimes = new HashMap<>();
  private final Set<String> dead = new HashSet<>();
  private IntSupplier load = () -> 0;
  private long lastAnnounce;
  private long lastDigest;
  private boolean joined;

  public MeshCore(String self, String name, String hostname, int port, MeshOptions opts, StateCore state,
                  MeshOutbox out) {
    this.self = self;
    this.name = name;
    this.hostname = hostname;
    this.port = port;
    this.opts = opts;
    this.state = state;
    this.out = out;
    this.replicator = new Replicator(new Replicator.Applier() {
      @Override
      public boolean ready(Event e) {
        return state.ready(e);
      }

      @Override
      public void apply(Event e) {
        state.apply(e);
        afterApply(e);
        if (journal != null) {
          journal.applied(e);
        }
      }
    });
    this.registrar = new Registrar(self, new RegistrarEffects());
    // a host our link to is down but another member still links (a partial partition) holds its
    // sessions: a LOGIN here must not take them over
    state.hostLiveness(h -> h.equals(self) || isLinked(h) || !dead.contains(h) && seenByOthers(h));
  }

  /** The client port, known once the gateway listens (it may have been configured as 0). */
  public void listeningOn(int port) {
    this.port = port;
  }

  /** The HTTP port (web client, SockJS) this server announces; 0 = HTTP off. */
  public void httpPort(int httpPort) {
    this.httpPort = httpPort;
  }

  /** The TLS port this server announces (members dial it there when meshTls is on); 0 = none. */
  public void tlsPort(int tlsPort) {
    this.tlsPort = tlsPort;
  }

  public void loadSupplier(IntSupplier load) {
    this.load = load;
  }

  public String self() {
    return self;
  }

  public boolean joined() {
    return joined;
  }

  /** A server with no seed is a mesh of one, joined at once. */
  public void startAlone() {
    joined = true;
  }

  /**
   * Started alone (with recovered state) because the seed did not answer: the seed is dialled now and
   * then until some link is up, so the two meshes merge as after a partition.
   */
  public void dialSeed(String hostname, int port) {
    seedHost = hostname;
    seedPort = port;
  }

  private String seedHost;
  private int seedPort;
  private boolean seedConnecting;
  private long seedNextAt;

  public Map<String, Member> members() {
    return members;
  }

  public Map<String, Long> positions() {
    return replicator.positions();
  }

  public int retainedCount() {
    return replicator.retainedCount();
  }

  public int pendingCount() {
    return replicator.pendingCount();
  }

  private boolean isLinked(String memberId) {
    Member m = members.get(memberId);
    return m != null && m.linkId != null;
  }

  private List<String> linkedIds() {
    List<String> ids = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.linkId != null) {
        ids.add(m.id);
      }
    }
    return ids;
  }

  /** True while this server has a link to that member (its events arrive directly, in order). */
  public boolean linkedTo(String memberId) {
    return isLinked(memberId);
  }

  /**
   * True when this server holds every event of {@code origin} that the members it can reach hold, as
   * their digests received since {@code since} show. Used before a LOGIN takes over a session whose
   * server is unreachable: the session's last activities and detach must be here first (G4, exactly
   * once for resume clients).
   */
  public boolean caughtUpWith(String origin, long since) {
    return caughtUpWith(origin, since, false);
  }

  /**
   * {@code relayed}: members linked to the origin count as caught up once their digest shows nothing
   * more of it (they relay what they get, every digest interval); otherwise the origin is alive and
   * its next events (a detach the LOGIN waits for) may still be on their way, so they never do.
   */
  private boolean caughtUpWith(String origin, long since, boolean relayed) {
    Member o = members.get(origin);
    if (!relayed && recoveredOrigins.contains(origin) && !linkedIncarnationOf(nameOf(origin))) {
      // an incarnation from before a restart from disk whose server is not back: its disk may hold
      // more of it (accepted just before the crash) than any member here
      return false;
    }
    if (!relayed && o != null && o.status != Member.Status.DEAD && o.linkId == null && !seenByOthers(origin)) {
      // cut off from every member we hear from (a short cut while the others are down, or a crash not
      // yet declared): only its link coming back or its death verdict can tell what it still holds
      return false;
    }
    long mine = replicator.position(origin);
    for (Member m : members.values()) {
      if (m.status == Member.Status.DEAD || m.id.equals(origin)) {
        continue;
      }
      if (m.linkId == null) {
        return false; // a live member we cannot hear from may hold more of it
      }
      if (!relayed && m.linkedTo.contains(origin)) {
        return false; // it is linked to the origin, which is alive: its events (the detach) are coming
      }
      Long heard = ackTimes.get(m.id);
      if (heard == null || heard <= since || acks.getOrDefault(m.id, Map.of()).getOrDefault(origin, 0L) > mine) {
        return false;
      }
    }
    return true;
  }

  /**
   * False while this server may lack events of a live member it cannot hear from (members it reaches
   * hold more of it, or cannot tell yet). A LOGIN waits then: that member may hold a session of the user
   * this server has not even heard of, whose last activities the new session must follow (G4).
   */
  public boolean caughtUpWithUnreachable(long since) {
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD && m.linkId == null && !caughtUpWith(m.id, since, true)) {
        return false;
      }
    }
    return true;
  }

  // ---- local events and requests ----

  /** The state emitted an event: record it and send it once to every linked member. */
  public void onLocalEvent(Event e) {
    replicator.recordLocal(e);
    if (journal != null) {
      journal.applied(e);
    }
    if (linkMember.isEmpty()) {
      return;
    }
    broadcast(PeerMessages.event(e));
  }

  /** One line to every linked member. */
  private void broadcast(Buffer line) {
    for (String linkId : linkMember.keySet()) {
      out.send(linkId, line);
    }
  }

  /** REGISTER with a hashed secret; {@code done} gets true when the mesh agreed and the user exists. */
  public void register(String username, String salt, String hash, int iterations, long now,
                       Consumer<Boolean> done) {
    registrar.register(username, now, liveMembers(),
        r -> joined && state.register(r.username(), salt, hash, iterations, r.ts()), done);
  }

  /** Every member not held dead, linked or not: a suspect member must answer too (or be declared dead). */
  private Set<String> liveMembers() {
    Set<String> s = new HashSet<>();
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        s.add(m.id);
      }
    }
    return s;
  }

  // ---- links ----

  /**
   * A link authenticated. {@code hello} is the peer's AUTHENTICATE (inbound) or MESH_WELCOME (outbound):
   * {id, name, hostname, port, join?, members?, snapshot?}.
   */
  public void onLinkUp(String linkId, boolean initiatedBySelf, JsonObject hello, long now) {
    String id = hello.getString(Fields.ID);
    if (id == null) {
      LOG.info("[{}] link {} from a peer without id: it only receives announcements", self, linkId);
      linkMember.put(linkId, "anonymous:" + linkId);
      return;
    }
    if (dead.contains(id)) {
      Member m = members.get(id);
      if (m != null) {
        m.connecting = false;
      }
      out.closeLink(linkId, PeerMessages.refusedAsDead(id, self, liveCount()));
      return;
    }
    JsonObject snapshot = hello.getJsonObject(Fields.SNAPSHOT);
    if (!joined && snapshot == null) {
      // not joined yet: serving a snapshot or events now would hand out (or mix in) an empty state
      out.closeLink(linkId, null);
      return;
    }
    if (snapshot != null && !joined) {
      install(snapshot);
    }
    Member m = learn(id, hello.getString(Fields.NAME), hello.getString(Fields.HOSTNAME),
        hello.getInteger(Fields.PORT, 0), now);
    if (hello.getValue(Fields.TLS_PORT) instanceof Number t) {
      m.tlsPort = t.intValue();
    }
    if (m.linkId != null && !preferNew(m, initiatedBySelf)) {
      out.closeLink(linkId, null);
      return;
    }
    if (m.linkId != null) {
      String old = m.linkId;
      linkMember.remove(old);
      out.closeLink(old, null);
    }
    boolean wasSuspect = m.status != Member.Status.ALIVE;
    m.linkId = linkId;
    m.connecting = false;
    m.status = Member.Status.ALIVE;
    m.lastHeard = now;
    m.redial.reset();
    linkMember.put(linkId, id);
    linkInitiatedBySelf.put(linkId, initiatedBySelf);
    seedHost = null; // linked: membership does the rest
    if (!initiatedBySelf) {
      out.send(linkId, PeerMessages.welcome(self, name, hostname, port, tlsPort, memberList(),
          hello.getBoolean(Fields.JOIN, false) ? snapshot() : null));
      if (hello.getBoolean(Fields.JOIN, false)) {
        acks.put(id, new HashMap<>(replicator.positions()));
      }
    }
    m.linkedTo = aliveIn(hello.getJsonArray(Fields.MEMBERS));
    mergeMembers(hello.getJsonArray(Fields.MEMBERS), now);
    out.send(linkId, PeerMessages.digest(replicator.positions(), true, linkedIds()));
    registrar.onMemberLinked(id);
    LOG.info("[{}] link to {} up ({}){}", self, id, initiatedBySelf ? "outbound" : "inbound",
        wasSuspect ? "" : " (replaced)");
    announceNow(now);
    out.membersChanged();
  }

  private boolean preferNew(Member m, boolean newInitiatedBySelf) {
    String preferredInitiator = self.compareTo(m.id) < 0 ? self : m.id;
    boolean oldBySelf = linkInitiatedBySelf.getOrDefault(m.linkId, false);
    boolean oldPreferred = (oldBySelf ? self : m.id).equals(preferredInitiator);
    boolean newPreferred = (newInitiatedBySelf ? self : m.id).equals(preferredInitiator);
    return newPreferred || !oldPreferred;
  }

  public void onLinkDown(String linkId, long now) {
    String id = linkMember.remove(linkId);
    linkInitiatedBySelf.remove(linkId);
    Member m = id == null ? null : members.get(id);
    if (m == null || !linkId.equals(m.linkId)) {
      return;
    }
    m.linkId = null;
    if (m.status == Member.Status.ALIVE) {
      m.status = Member.Status.SUSPECT;
      m.suspectSince = now;
      m.nextConnectAt = now;
      LOG.info("[{}] link to {} lost; suspect, dead after {} ms without a link", self, id,
          opts.suspicionMillis());
    }
    registrar.onMemberLost(id, false);
    announceNow(now); // the others learn at once that this link is down (see caughtUpWith)
    out.membersChanged();
  }

  /** An outbound connection attempt failed (refused, timed out, or authentication refused). */
  public void onConnectFailed(String hostname, int port, long now) {
    if (hostname.equals(seedHost) && port == seedPort) {
      seedConnecting = false;
    }
    for (Member m : members.values()) {
      if (m.hostname.equals(hostname) && dialPort(m) == port) {
        m.connecting = false;
        long delay = m.redial.next();
        m.nextConnectAt = now + (m.status == Member.Status.DEAD ? 2 * opts.suspicionMillis() : delay);
      }
    }
  }

  // ---- peer messages ----

  /** One message from an authenticated link. Unknown or malformed messages close the link. */
  public void onPeerMessage(String linkId, JsonObject msg, long now) {
    String from = linkMember.get(linkId);
    if (from == null) {
      // a link we dialled was refused before MESH_WELCOME because the mesh holds us dead
      if (self.equals(msg.getString(Fields.ID)) && Command.MEMBER_DEAD.name().equals(msg.getString(Fields.COMMAND))) {
        String by = msg.getString(Fields.BY);
        if (by != null && dead.contains(by) && outranks(msg.getInteger(Fields.LIVE, 0), by)) {
          // a healed partition: each side holds the other dead; only the smaller side (ties: larger id) rejoins
          LOG.info("[{}] {} holds this server dead, and is held dead here; this side is larger, it stays", self, by);
          return;
        }
        LOG.warn("[{}] {}:{} says the mesh declared this server dead: rejoining as a new incarnation", self,
            msg.getString(Fields.VIA_HOSTNAME), msg.getInteger(Fields.VIA_PORT));
        joined = false;
        out.rejoin(msg.getString(Fields.VIA_HOSTNAME), msg.getInteger(Fields.VIA_PORT, 0));
      }
      return;
    }
    if (!joined) {
      return; // declared dead and leaving: nothing more is applied or agreed (the next incarnation rejoins)
    }
    Member m = members.get(from);
    if (m != null) {
      m.lastHeard = now;
    }
    Command c = Command.of(msg.getString(Fields.COMMAND));
    switch (c) {
      case SERVER_ANNOUNCE -> onAnnounce(m, msg, now);
      case MESH_EVENT -> replicator.receive(Event.fromJson(msg.getJsonObject(Fields.EVENT)));
      case MESH_DIGEST -> {
        ackTimes.put(from, now);
        onDigest(from, m, msg, now);
      }
      case MEMBER_DEAD -> onMemberDead(msg.getString(Fields.ID), now, linkId);
      case LOCK_REQUEST, LOCK_ALLOWED, LOCK_DENIED, LOCK_RELEASE -> onLock(from, c, msg);
      case MESH_RELAY -> onRelay(from, msg);
      case MESH_WELCOME -> { }
      case ACTIVITY_BROADCAST -> onForeignBroadcast(from, msg, now);
      default -> LOG.warn("[{}] ignoring {} from {}", self, c, from);
    }
  }

  /**
   * A LOCK_* line between two members whose direct link is down, through a member linked to both (one
   * hop: only what the sender itself handed over is forwarded). For this server: handled as if it came
   * from {@code from} on a link.
   */
  private void onRelay(String linkFrom, JsonObject msg) {
    String to = msg.getString(Fields.TO);
    String origin = msg.getString(Fields.FROM);
    JsonObject inner = msg.getJsonObject(Fields.MSG);
    if (to == null || origin == null || inner == null) {
      return;
    }
    if (!to.equals(self)) {
      Member target = members.get(to);
      if (origin.equals(linkFrom) && target != null && target.linkId != null) {
        out.send(target.linkId, MessageCodec.encode(Command.MESH_RELAY, msg));
      }
      return;
    }
    if (dead.contains(origin) || !members.containsKey(origin)) {
      return;
    }
    onLock(origin, Command.of(inner.getString(Fields.COMMAND)), inner);
  }

  /** A LOCK_* message of member {@code from}, on a link or relayed. */
  private void onLock(String from, Command c, JsonObject msg) {
    if (c == null) {
      LOG.warn("[{}] ignoring a relayed line without a known command from {}", self, from);
      return;
    }
    switch (c) {
      case LOCK_REQUEST -> registrar.onRequest(from, PeerMessages.req(msg));
      case LOCK_ALLOWED -> registrar.onAllowed(from, PeerMessages.req(msg));
      case LOCK_DENIED -> registrar.onDenied(from, PeerMessages.req(msg));
      case LOCK_RELEASE -> registrar.onRelease(PeerMessages.req(msg));
      default -> LOG.warn("[{}] ignoring relayed {} from {}", self, c, from);
    }
  }

  /** True while a member linked to this server lists {@code id} as linked to it. */
  private boolean seenByOthers(String id) {
    return relayFor(id) != null;
  }

  /** A member linked to this server that lists {@code id} as linked to it (it can relay), or null. */
  private Member relayFor(String id) {
    for (Member x : members.values()) {
      if (x.linkId != null && x.linkedTo.contains(id)) {
        return x;
      }
    }
    return null;
  }

  /** Members not held dead, this server included. */
  private int liveCount() {
    int n = 1;
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        n++;
      }
    }
    return n;
  }

  /** True if this side of a mutual dead verdict stays: more live members, or as many and the smaller id. */
  private boolean outranks(int theirLive, String theirId) {
    int mine = liveCount();
    return mine > theirLive || mine == theirLive && self.compareTo(theirId) < 0;
  }

  private static Set<String> aliveIn(JsonArray list) {
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

  /**
   * A classic server (authenticated with the mesh secret, speaking the classic server protocol) relays
   * an activity: it becomes an activity of this server, delivered here and replicated to the mesh. Our
   * own peers never send ACTIVITY_BROADCAST.
   */
  private void onForeignBroadcast(String from, JsonObject msg, long now) {
    Object activity = msg.getValue(Fields.ACTIVITY);
    if (activity instanceof JsonObject a) {
      state.accept(null, a.getString(Fields.AUTHENTICATED_USER), a, -1, null, now);
    } else {
      LOG.warn("[{}] ACTIVITY_BROADCAST without an activity object from {}", self, from);
    }
  }

  private void onAnnounce(Member m, JsonObject msg, long now) {
    if (m == null) {
      return;
    }
    String problem = announceProblem(m, msg);
    if (problem != null) {
      LOG.warn("[{}] ignoring SERVER_ANNOUNCE on the link of {}: {}", self, m.id, problem);
      return;
    }
    int newLoad = msg.getInteger(Fields.LOAD, 0);
    boolean changed = newLoad != m.load;
    m.load = newLoad;
    m.linkedTo = aliveIn(msg.getJsonArray(Fields.MEMBERS));
    changed |= mergeMembers(msg.getJsonArray(Fields.MEMBERS), now);
    if (changed) {
      out.membersChanged();
    }
    if (msg.getValue(Fields.REDIRECTING) instanceof JsonObject to) {
      for (Member target : members.values()) {
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

  private void onDigest(String from, Member m, JsonObject msg, long now) {
    Map<String, Long> theirs = PeerMessages.positions(msg.getJsonObject(Fields.POSITIONS));
    acks.put(from, theirs);
    boolean hello = msg.getBoolean(Fields.HELLO, false);
    java.util.Set<String> theirLinks = PeerMessages.linked(msg);
    String linkId = m == null ? null : m.linkId;
    if (linkId == null) {
      return;
    }
    for (Map.Entry<String, Long> p : replicator.positions().entrySet()) {
      String origin = p.getKey();
      long their = theirs.getOrDefault(origin, 0L);
      if (their >= p.getValue()) {
        continue;
      }
      // The origin sends its own events; others fill in when it is dead or unreachable from here, or when
      // the lagging member is not linked to it (a partial partition: this server relays for it).
      boolean originCanServe = !origin.equals(self) && isLinked(origin) && !dead.contains(origin)
          && (theirLinks == null || theirLinks.contains(origin));
      if (hello || !originCanServe && !origin.equals(self)) {
        List<Event> missing = replicator.since(origin, their);
        if (missing.isEmpty() || missing.get(0).seq() != their + 1) {
          // it lacks events every member known here acknowledged, so none kept them (it joined through a
          // member that died before announcing it): only a fresh snapshot can catch it up
          LOG.warn("[{}] {} lacks events of {} after {} that are no longer kept: declaring it dead so it rejoins",
              self, from, origin, their);
          declareDead(from, now, null);
          return;
        }
        for (Event e : missing) {
          out.send(linkId, PeerMessages.event(e));
        }
      }
    }
  }

  // ---- membership ----

  private Member learn(String id, String memberName, String host, int memberPort, long now) {
    Member m = members.get(id);
    if (m != null) {
      return m;
    }
    for (Member old : new ArrayList<>(members.values())) {
      if (old.name.equals(memberName) && old.status != Member.Status.DEAD) {
        LOG.info("[{}] {} is a new incarnation of {}: the old one is dead", self, id, old.id);
        declareDead(old.id, now, null);
      }
    }
    m = new Member(id, memberName, host, memberPort, opts.maxBackoffMillis());
    m.suspectSince = now;
    m.nextConnectAt = now;
    members.put(id, m);
    LOG.info("[{}] member {} at {}:{} joined the view", self, id, host, memberPort);
    return m;
  }

  /** Adds members we did not know. True if the view changed. */
  private boolean mergeMembers(JsonArray list, long now) {
    if (list == null) {
      return false;
    }
    boolean changed = false;
    for (int i = 0; i < list.size(); i++) {
      JsonObject j = list.getJsonObject(i);
      String id = j.getString(Fields.ID);
      Member known = id == null ? null : members.get(id);
      if (known != null && j.getInteger(Fields.HTTP_PORT) != null && known.httpPort != j.getInteger(Fields.HTTP_PORT)) {
        known.httpPort = j.getInteger(Fields.HTTP_PORT);
        changed = true;
      }
      if (id == null || id.equals(self) || dead.contains(id) || known != null) {
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

  private void onMemberDead(String id, long now, String fromLink) {
    if (id == null) {
      return;
    }
    if (id.equals(self)) {
      Member teller = members.get(linkMember.get(fromLink));
      LOG.warn("[{}] the mesh declared this server dead: rejoining as a new incarnation", self);
      joined = false;
      out.rejoin(teller == null ? null : teller.hostname, teller == null ? 0 : dialPort(teller));
      return;
    }
    declareDead(id, now, fromLink);
  }

  private void declareDead(String id, long now, String fromLink) {
    if (!dead.add(id)) {
      return;
    }
    Member m = members.get(id);
    Buffer verdict = PeerMessages.memberDead(id);
    for (String linkId : new ArrayList<>(linkMember.keySet())) {
      if (!linkId.equals(fromLink) && (m == null || !linkId.equals(m.linkId))) {
        out.send(linkId, verdict);
      }
    }
    if (m != null) {
      m.status = Member.Status.DEAD;
      if (m.linkId != null) {
        linkMember.remove(m.linkId);
        out.closeLink(m.linkId, verdict);
        m.linkId = null;
      }
    }
    Map<String, Long> lastAcks = acks.remove(id);
    if (lastAcks != null && m != null) {
      deadAcks.put(id, new DeadAck(m.name, lastAcks.getOrDefault(self, 0L), now));
    }
    registrar.onMemberLost(id, true);
    LOG.info("[{}] member {} declared dead", self, id);
    out.membersChanged();
  }

  /** Periodic: announces, digests, reconnects, suspicion. */
  public void tick(long now) {
    if (!joined) {
      return;
    }
    for (Member m : new ArrayList<>(members.values())) {
      if (m.status == Member.Status.DEAD) {
        probeDead(m, now);
        continue;
      }
      if (m.linkId != null && now - m.lastHeard > opts.suspicionMillis()) {
        LOG.info("[{}] no message from {} for {} ms: closing its link", self, m.id, now - m.lastHeard);
        String linkId = m.linkId;
        out.closeLink(linkId, null);
        onLinkDown(linkId, now);
      }
      if (m.linkId == null && m.status != Member.Status.ALIVE) {
        // Indirect probe: a member another one is still linked to is alive, only our link is cut (a
        // partial partition); its events come relayed in the digests, lock messages through MESH_RELAY.
        if (seenByOthers(m.id)) {
          m.seenViaOthersAt = now;
        }
        long silentSince = Math.max(m.suspectSince, m.seenViaOthersAt);
        if (now - silentSince > opts.suspicionMillis()) {
          LOG.info("[{}] {} unreachable for {} ms", self, m.id, now - silentSince);
          declareDead(m.id, now, null);
          continue;
        }
      }
      boolean mayDial = self.compareTo(m.id) < 0 || now - m.suspectSince > opts.suspicionMillis() / 2;
      if (m.linkId == null && !m.connecting && mayDial && now >= m.nextConnectAt) {
        m.connecting = true;
        out.connect(m.hostname, dialPort(m), false);
      }
    }
    if (seedHost != null && linkMember.isEmpty() && !seedConnecting && now >= seedNextAt) {
      seedConnecting = true;
      seedNextAt = now + opts.suspicionMillis();
      out.connect(seedHost, seedPort, false);
    }
    if (now - lastAnnounce >= opts.announceIntervalMillis()) {
      announceNow(now);
    }
    if (now - lastDigest >= opts.digestIntervalMillis()) {
      lastDigest = now;
      broadcast(PeerMessages.digest(replicator.positions(), false, linkedIds()));
      // relayed requests (or their answers) may be lost: asked again; locks held here for requesters we
      // hear only through a relay are leases, renewed by those requests
      registrar.tick(now, id -> !isLinked(id), opts.suspicionMillis());
      pruneRetained(now);
    }
  }

  /**
   * A dead incarnation's address is dialled again now and then, so the two sides of a healed partition
   * find each other: whichever side is told it is dead (MEMBER_DEAD on the new link) rejoins.
   */
  private void probeDead(Member m, long now) {
    if (m.connecting || now < m.nextConnectAt || supersededByLive(m)) {
      return;
    }
    m.connecting = true;
    m.nextConnectAt = now + 2 * opts.suspicionMillis();
    out.connect(m.hostname, dialPort(m), false);
  }

  /** Where {@code m} is dialled: its tlsPort when links use TLS (and it has one), else its port. */
  private int dialPort(Member m) {
    return opts.meshTls() && m.tlsPort > 0 ? m.tlsPort : m.port;
  }

  private boolean supersededByLive(Member dead) {
    for (Member m : members.values()) {
      if (m != dead && m.status != Member.Status.DEAD && m.hostname.equals(dead.hostname) && m.port == dead.port) {
        return true;
      }
    }
    return false;
  }

  private void pruneRetained(long now) {
    List<Map<String, Long>> live = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        live.add(acks.getOrDefault(m.id, Map.of()));
      }
    }
    // this server's own events that members declared dead had not acknowledged are kept too: if they
    // were cut off by a partition, one side rejoins the other when it heals, carrying these over; until
    // a new incarnation of that server is linked here (it came back with a snapshot: live acks govern
    // again), for at most DEAD_CARRY_MILLIS (a server that never comes back) and DEAD_CARRY_MAX_EVENTS
    deadAcks.values().removeIf(d -> now - d.at() > DEAD_CARRY_MILLIS || linkedIncarnationOf(d.name()));
    if (!deadAcks.isEmpty()) {
      long minAck = deadAcks.values().stream().mapToLong(DeadAck::ownAck).min().orElseThrow();
      long floor = Math.max(minAck, replicator.position(self) - DEAD_CARRY_MAX_EVENTS);
      // constrains this server's own origin only (no other origin is held back by it)
      Map<String, Long> own = new HashMap<>();
      replicator.positions().keySet().forEach(origin -> own.put(origin, Long.MAX_VALUE));
      own.put(self, floor);
      live.add(own);
    }
    replicator.prune(live);
    int dropped = replicator.boundBytes(opts.maxRetainedBytes());
    if (dropped > 0) {
      retainedDropped += dropped;
      LOG.warn("[{}] retained events passed maxRetainedBytes ({}): dropped the {} oldest; a member that still "
          + "lacks them will rejoin with a snapshot", self, opts.maxRetainedBytes(), dropped);
    }
  }

  /** Retained events dropped by the byte bound since start. */
  private long retainedDropped;

  public long retainedDropped() {
    return retainedDropped;
  }

  private boolean linkedIncarnationOf(String memberName) {
    for (Member m : members.values()) {
      if (m.name.equals(memberName) && m.linkId != null) {
        return true;
      }
    }
    return false;
  }

  /** A member declared dead: its name, how far it had acknowledged this server's own events, and when. */
  private record DeadAck(String name, long ownAck, long at) {}

  /** Members declared dead, for the own events they had not acknowledged (see pruneRetained). */
  private final Map<String, DeadAck> deadAcks = new HashMap<>();

  /** How long own events are kept for a member declared dead that does not come back. */
  static final long DEAD_CARRY_MILLIS = 3_600_000;
  /** At most this many of this server's latest own events are kept for members declared dead. */
  static final long DEAD_CARRY_MAX_EVENTS = 100_000;

  /** This server's own events still kept: what a next incarnation carries over after a partition. */
  public List<Event> ownRetainedEvents() {
    return replicator.since(self, 0);
  }

  /**
   * After rejoining as a new incarnation: the previous incarnation's events that the mesh has not got
   * (accepted on this side of a partition) are applied here and sent to every member, as late events of
   * that (dead) origin, so nothing accepted during the partition is lost.
   */
  public void adoptCarriedEvents(List<Event> carried) {
    int adopted = 0;
    for (Event e : carried) {
      if (e.seq() > replicator.position(e.origin())) {
        replicator.receive(e);
        broadcast(PeerMessages.event(e));
        adopted++;
      }
    }
    if (adopted > 0) {
      LOG.info("[{}] carried over {} events of the previous incarnation the mesh had not got", self, adopted);
    }
  }

  private void announceNow(long now) {
    announceNow(now, null);
  }

  private void announceNow(long now, JsonObject redirecting) {
    lastAnnounce = now;
    broadcast(PeerMessages.announce(self, name, hostname, port, load.getAsInt(), memberList(), redirecting));
  }

  /**
   * A redirect of one of our clients to {@code hostname:port} begins (our load already counts it gone):
   * announce at once, naming the target, so every member's balancer sees our load as it is and counts the
   * client at its target while it moves, before it logs in there. Without it a target judged by our last
   * periodic announcement (a burst ago) sent the client straight back.
   */
  public void announceRedirect(String hostname, int port, long now) {
    announceNow(now, new JsonObject().put(Fields.HOSTNAME, hostname).put(Fields.PORT, port));
  }

  private JsonArray memberList() {
    JsonArray list = new JsonArray();
    list.add(new JsonObject().put(Fields.ID, self).put(Fields.NAME, name).put(Fields.HOSTNAME, hostname)
        .put(Fields.PORT, port).put(Fields.HTTP_PORT, httpPort).put(Fields.TLS_PORT, tlsPort).put(Fields.STATUS, Member.Status.ALIVE.name()));
    for (Member m : members.values()) {
      if (m.status != Member.Status.DEAD) {
        list.add(m.toJson());
      }
    }
    return list;
  }

  // ---- durable state ----

  /** Sees every event applied here (local or replicated, in apply order) and every installed snapshot. */
  public interface Journal {
    void applied(Event e);

    /** A join snapshot replaced the state: what was applied before no longer counts. */
    void installed();
  }

  private Journal journal;

  public void journal(Journal journal) {
    this.journal = journal;
  }

  /**
   * Rebuilds the state a store holds: its last {@link #snapshot} (may be null), then the events applied
   * after it, through the same code that applied them (events the snapshot covers are skipped by their
   * positions). Not joined afterwards: {@link #startAlone} or a join follows.
   */
  public void recover(JsonObject snapshot, List<Event> events) {
    if (snapshot != null) {
      installState(snapshot);
    }
    for (Event e : events) {
      replicator.receive(e);
    }
    recoveredOrigins(replicator.positions().keySet());
  }

  /**
   * Origins known from a data directory (other servers' incarnations before a restart): a LOGIN taking
   * over a session attached to one waits (at most the login sync) until a new incarnation of its server
   * is linked and has passed on what its disk held (see caughtUpWith).
   */
  public void recoveredOrigins(java.util.Collection<String> origins) {
    for (String o : origins) {
      if (!nameOf(o).equals(name)) {
        recoveredOrigins.add(o);
      }
    }
  }

  private final Set<String> recoveredOrigins = new HashSet<>();

  /** The server name of an incarnation id ({@code name#suffix}). */
  private static String nameOf(String incarnation) {
    int hash = incarnation.lastIndexOf('#');
    return hash < 0 ? incarnation : incarnation.substring(0, hash);
  }

  /** Every retained event (all origins, per origin oldest first): what a recovered server carries into a mesh. */
  public List<Event> retainedEvents() {
    return replicator.retainedEvents();
  }

  // ---- snapshot ----

  /** The join snapshot: state, replication positions and retained events (also what the store writes). */
  public JsonObject snapshot() {
    JsonObject positions = new JsonObject();
    replicator.positions().forEach(positions::put);
    JsonArray retained = new JsonArray();
    replicator.retainedEvents().forEach(e -> retained.add(e.toJson()));
    return new JsonObject().put(Fields.STATE, state.snapshot()).put(Fields.POSITIONS, positions).put(Fields.RETAINED, retained);
  }

  private void install(JsonObject snapshot) {
    installState(snapshot);
    joined = true;
    LOG.info("[{}] joined the mesh: {} users, {} sessions", self, state.userCount(), state.sessions().size());
    if (journal != null) {
      journal.installed();
    }
  }

  private void installState(JsonObject snapshot) {
    state.install(snapshot.getJsonObject(Fields.STATE));
    replicator.install(PeerMessages.positions(snapshot.getJsonObject(Fields.POSITIONS)));
    List<Event> retained = new ArrayList<>();
    JsonArray list = snapshot.getJsonArray(Fields.RETAINED, new JsonArray());
    for (int i = 0; i < list.size(); i++) {
      retained.add(Event.fromJson(list.getJsonObject(i)));
    }
    replicator.installRetained(retained);
  }

  private void afterApply(Event e) {
    if (e.type() == Event.Type.USER_REGISTERED) {
      registrar.onRegistered(e.body().getString(Fields.USERNAME));
    }
  }

  /** The mesh view for /api/mesh and the balancer. */
  public JsonObject view() {
    JsonArray list = new JsonArray();
    JsonArray ownLinks = new JsonArray();
    for (Member m : members.values()) {
      if (m.linkId != null) {
        ownLinks.add(m.id);
      }
    }
    list.add(new JsonObject().put(Fields.ID, self).put(Fields.NAME, name).put(Fields.HOSTNAME, hostname)
        .put(Fields.PORT, port).put(Fields.HTTP_PORT, httpPort).put(Fields.TLS_PORT, tlsPort).put(Fields.STATUS, Member.Status.ALIVE.name())
        .put(Fields.LINKED, true).put(Fields.LOAD, load.getAsInt())
        .put(Fields.SELF, true).put(Fields.SEES, ownLinks));
    for (Member m : members.values()) {
      // sees: the members it last announced alive (for this server: those it has a link to); the
      // page draws the mesh's links from them
      list.add(m.toJson().put(Fields.LINKED, m.linkId != null).put(Fields.LOAD, m.load)
          .put(Fields.SEES, new JsonArray(new java.util.ArrayList<>(new java.util.TreeSet<>(m.linkedTo)))));
    }
    return new JsonObject().put(Fields.SELF, self).put(Fields.JOINED, joined).put(Fields.MEMBERS, list);
  }

  private final class RegistrarEffects implements Registrar.Effects {
    @Override
    public void sendAllowed(String to, Registrar.Req r) {
      sendTo(to, PeerMessages.lock(Command.LOCK_ALLOWED, r));
    }

    @Override
    public void sendDenied(String to, Registrar.Req r) {
      sendTo(to, PeerMessages.lock(Command.LOCK_DENIED, r));
    }

    @Override
    public void broadcastRequest(Set<String> to, Registrar.Req r) {
      Buffer line = PeerMessages.lock(Command.LOCK_REQUEST, r);
      to.forEach(id -> sendTo(id, line));
    }

    @Override
    public void broadcastRelease(Registrar.Req r) {
      Buffer line = PeerMessages.lock(Command.LOCK_RELEASE, r);
      liveMembers().forEach(id -> sendTo(id, line));
    }

    @Override
    public boolean registered(String username) {
      return state.user(username) != null;
    }

    @Override
    public Set<String> liveMembers() {
      return MeshCore.this.liveMembers();
    }

    /** Directly, or through a member linked to both while our link to it is down. */
    private void sendTo(String memberId, Buffer line) {
      Member m = members.get(memberId);
      if (m == null) {
        return;
      }
      if (m.linkId != null) {
        out.send(m.linkId, line);
        return;
      }
      Member relay = relayFor(memberId);
      if (relay != null) {
        out.send(relay.linkId, PeerMessages.relay(memberId, self, line));
      }
    }
  }
}
