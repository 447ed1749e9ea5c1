package io.activitystreamer.testing;

import io.activitystreamer.bus.ActivityIn;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.mesh.Member;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOptions;
import io.activitystreamer.mesh.SnapshotAssembler;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.state.LoginSync;
import io.activitystreamer.state.Ready;
import io.activitystreamer.state.ReadyLoop;
import io.activitystreamer.state.ServerCore;
import io.activitystreamer.state.StateCore;
import io.activitystreamer.state.StateOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Several servers (each a {@link StateCore} + {@link MeshCore} pair) wired by in-memory links, for layer-1
 * tests without sockets. Models what {@code PeerLink} and the verticles do: a link is two ends with a FIFO
 * queue each; the dialler's first line is AUTHENTICATE (the acceptor's core gets {@code onLinkUp} when it is
 * delivered), the acceptor's first line is MESH_WELCOME (the dialler's core gets {@code onLinkUp} then); a
 * closed end delivers what was queued, then a close, and each core that saw the link up gets
 * {@code onLinkDown}. Nothing moves until the test steps the network ({@link #deliverOne}, {@link #deliverAll},
 * {@link #tick}); messages of different links can be reordered (seeded), never within one link.
 *
 * <p>Faults: {@link #drop} (a predicate on messages, applied when sent), {@link #cut} (both ends break,
 * in-flight lines are lost, dialling between the two fails until {@link #heal}), {@link #isolate},
 * {@link #kill} (optionally losing what the server had in flight). A server told it is dead is restarted as a
 * new incarnation joining through the member that told it, as AppVerticle does.
 */
public final class InMemoryMesh {
  public static final String SECRET = "mesh-secret";
  /** The REDIRECT tokens' lifetime (the servers' default). */
  private static final long REDIRECT_TOKEN_MILLIS = 30_000;

  /** One message on its way, as seen by a drop rule. */
  public record Msg(String from, String to, Command command, JsonObject body) {}

  public final ManualClock clock = new ManualClock();
  /**
   * Users whose LOGIN ({@link Node#loginWhenReady}) was answered only when the login sync gave up, after
   * {@link LoginSync#MAX_MILLIS}: there availability won over G4 (docs/mesh.md, "LOGIN on another server").
   */
  public final Set<String> loginsPastSync = new java.util.TreeSet<>();
  private final MeshOptions meshOptions;
  private final StateOptions stateOptions;
  private final Random random;
  private boolean reorder;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final List<Node> incarnations = new ArrayList<>();
  private final Map<String, End> ends = new LinkedHashMap<>();
  private final ArrayDeque<Runnable> local = new ArrayDeque<>();
  private final Set<String> blocked = new HashSet<>();
  private final Set<String> isolated = new HashSet<>();
  private final Set<String> held = new HashSet<>();
  private Predicate<Msg> dropRule = m -> false;
  private long linkCounter;
  private int portCounter = 7000;
  private long delivered;
  private boolean autoRejoin = true;

  public InMemoryMesh(MeshOptions meshOptions, StateOptions stateOptions, long seed) {
    this.meshOptions = meshOptions;
    this.stateOptions = stateOptions;
    this.random = new Random(seed);
  }

  /** announce 100, suspicion 1000, digest 100, backoff up to 250; backlog 1000 / 1 h, window 200, checkpoint 100. */
  public static InMemoryMesh standard(long seed) {
    return new InMemoryMesh(new MeshOptions(100, 1000, 100, 250), new StateOptions(1000, 3_600_000, 200, 100), seed);
  }

  /** Deliver in a random (seeded) order across links instead of link by link. */
  public InMemoryMesh reorder(boolean on) {
    this.reorder = on;
    return this;
  }

  public InMemoryMesh autoRejoin(boolean on) {
    this.autoRejoin = on;
    return this;
  }

  public long now() {
    return clock.now();
  }

  public long deliveredCount() {
    return delivered;
  }

  // ---- servers ----

  /** A first server, a mesh of one. */
  public Node start(String name) {
    Node n = create(name, ++portCounter, 1, null);
    n.core.startAlone();
    return n;
  }

  /** A new server that joins through {@code seed} (the join happens as the network is stepped). */
  public Node join(String name, Node seed) {
    Node n = create(name, ++portCounter, 1, null);
    n.core.joinVia(seed.host, seed.port);
    return n;
  }

  private Node create(String name, int port, int incarnation, JsonObject carryOver) {
    Node n = new Node(name, name + "#" + incarnation, "host-" + name, port, incarnation, carryOver);
    nodes.put(name, n);
    incarnations.add(n);
    return n;
  }

  public Node node(String name) {
    return nodes.get(name);
  }

  /** The current incarnations that are running. */
  public List<Node> alive() {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes.values()) {
      if (n.alive) {
        out.add(n);
      }
    }
    return out;
  }

  /** Stops a server; if {@code loseInFlight}, what it sent that was not delivered yet is lost. */
  public void kill(Node n, boolean loseInFlight) {
    n.alive = false;
    for (End e : new ArrayList<>(ends.values())) {
      if (e.owner == n && !e.closed) {
        e.closed = true;
        e.inbox.clear();
        if (loseInFlight) {
          e.peer.inbox.removeIf(item -> item instanceof Buffer);
        }
        e.peer.inbox.addLast(CLOSE);
      }
    }
  }

  /** Restarts a killed server as a new incarnation of the same name and address, joining through {@code via}. */
  public Node restart(Node old, Node via) {
    Node n = create(old.name, old.port, old.incarnation + 1, null);
    n.core.joinVia(via.host, via.port);
    return n;
  }

  // ---- faults ----

  public void drop(Predicate<Msg> rule) {
    this.dropRule = rule;
  }

  public void dropNothing() {
    this.dropRule = m -> false;
  }

  /** A slow link: nothing {@code from} sends to {@code to} is delivered (in order, later) until released. */
  public void hold(Node from, Node to) {
    held.add(from.name + ">" + to.name);
  }

  public void release(Node from, Node to) {
    held.remove(from.name + ">" + to.name);
  }

  private static String pair(String a, String b) {
    return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
  }

  /** Breaks every link between the two servers (in-flight lines lost); they cannot dial each other until healed. */
  public void cut(Node a, Node b) {
    blocked.add(pair(a.name, b.name));
    breakLinks(e -> e.owner.name.equals(a.name) && e.peer.owner.name.equals(b.name)
        || e.owner.name.equals(b.name) && e.peer.owner.name.equals(a.name));
  }

  /** Breaks the links between the two servers once; they may dial each other again at once. */
  public void flap(Node a, Node b) {
    cut(a, b);
    heal(a, b);
  }

  public void heal(Node a, Node b) {
    blocked.remove(pair(a.name, b.name));
  }

  public void isolate(Node a) {
    isolated.add(a.name);
    breakLinks(e -> e.owner.name.equals(a.name) || e.peer.owner.name.equals(a.name));
  }

  public void unisolate(Node a) {
    isolated.remove(a.name);
  }

  private boolean reachable(Node from, Node to) {
    return to.alive && from.alive && !isolated.contains(from.name) && !isolated.contains(to.name)
        && !blocked.contains(pair(from.name, to.name));
  }

  private void breakLinks(Predicate<End> which) {
    for (End e : new ArrayList<>(ends.values())) {
      if (!e.closed && which.test(e)) {
        e.closed = true;
        e.inbox.clear();
        End end = e;
        local.addLast(() -> end.onClosed());
      }
    }
  }

  // ---- stepping ----

  /** Delivers one pending item (a local action first, else a line or close from some link). False if idle. */
  public boolean deliverOne() {
    for (Node n : incarnations) {
      if (n.dirty) {
        n.carry(); // what an input decided is carried out after the input, as StateVerticle does
        return true;
      }
    }
    if (!local.isEmpty()) {
      local.pollFirst().run();
      return true;
    }
    List<End> ready = new ArrayList<>();
    for (var it = ends.values().iterator(); it.hasNext(); ) {
      End e = it.next();
      if (e.closed && e.inbox.isEmpty() && (e.peer.closed && e.peer.inbox.isEmpty())) {
        it.remove();
      } else if (!e.inbox.isEmpty() && e.owner.alive && !held.contains(e.peer.owner.name + ">" + e.owner.name)) {
        ready.add(e);
      }
    }
    if (ready.isEmpty()) {
      return false;
    }
    End e = reorder ? ready.get(random.nextInt(ready.size())) : ready.get(0);
    e.deliver(e.inbox.pollFirst());
    delivered++;
    return true;
  }

  /** Delivers until nothing is pending. */
  public void deliverAll() {
    int steps = 0;
    while (deliverOne()) {
      if (++steps > 1_000_000) {
        throw new AssertionError("the network does not quiesce (message storm?)");
      }
    }
  }

  /** Advances the clock, ticks every running server, then delivers everything. */
  public void tick(long millis) {
    clock.advance(millis);
    for (Node n : new ArrayList<>(nodes.values())) {
      if (n.alive) {
        n.tick();
      }
    }
    deliverAll();
  }

  /** Ticks in steps of the announce interval for {@code millis}. */
  public void run(long millis) {
    long step = meshOptions.announceIntervalMillis();
    for (long t = 0; t < millis; t += step) {
      tick(step);
    }
  }

  /** Runs until {@code done} holds, for at most {@code maxMillis} of manual time. */
  public void runUntil(java.util.function.BooleanSupplier done, long maxMillis, String what) {
    long step = meshOptions.announceIntervalMillis();
    deliverAll();
    for (long t = 0; !done.getAsBoolean(); t += step) {
      if (t > maxMillis) {
        throw new AssertionError("not reached within " + maxMillis + " ms: " + what + "\n" + describe());
      }
      tick(step);
    }
  }

  // ---- views for assertions ----

  /** Ids of the ALIVE and linked members as {@code n} sees them, itself included. */
  public static Set<String> view(Node n) {
    Set<String> ids = new TreeSet<>();
    ids.add(n.id);
    for (Member m : n.mesh.members().values()) {
      if (m.status() == Member.Status.ALIVE && m.linked()) {
        ids.add(m.id());
      }
    }
    return ids;
  }

  /** True when every running server sees the same full membership and holds the same events. */
  public boolean converged() {
    List<Node> live = alive();
    Set<String> ids = new TreeSet<>();
    live.forEach(n -> ids.add(n.id));
    for (Node n : live) {
      if (!n.core.joined() || !view(n).equals(ids) || n.mesh.pendingCount() != 0) {
        return false;
      }
      if (!new TreeMap<>(n.mesh.positions()).equals(new TreeMap<>(live.get(0).mesh.positions()))) {
        return false;
      }
    }
    return true;
  }

  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Node n : incarnations) {
      sb.append(n.id).append(n.alive ? "" : " (stopped)").append(n.mesh.joined() ? "" : " (not joined)")
          .append(" view=").append(view(n)).append(" positions=").append(new TreeMap<>(n.mesh.positions()))
          .append(" pending=").append(n.mesh.pendingCount()).append(" users=").append(n.state.userCount())
          .append('\n');
    }
    return sb.toString();
  }

  // ---- links ----

  private static final Object CLOSE = new Object();

  private final class End {
    final String linkId;
    final Node owner;
    final boolean outbound;
    final String dialledHost;
    final int dialledPort;
    End peer;
    boolean up;
    boolean closed;
    final ArrayDeque<Object> inbox = new ArrayDeque<>();
    SnapshotAssembler snapshot;

    End(String linkId, Node owner, boolean outbound, String dialledHost, int dialledPort) {
      this.linkId = linkId;
      this.owner = owner;
      this.outbound = outbound;
      this.dialledHost = dialledHost;
      this.dialledPort = dialledPort;
    }

    void send(Buffer line) {
      if (closed || peer.closed || !owner.alive) {
        return;
      }
      Decoded d = MessageCodec.decode(line.toString().trim());
      if (dropRule.test(new Msg(owner.name, peer.owner.name, d.command(), d.body()))) {
        return;
      }
      peer.inbox.addLast(line);
    }

    /** Like PeerLink.close(): flush, then the peer sees the close; this side's core sees it too. */
    void close(Buffer lastLine) {
      if (closed) {
        return;
      }
      if (lastLine != null) {
        send(lastLine);
      }
      closed = true;
      inbox.clear();
      if (!peer.closed) {
        peer.inbox.addLast(CLOSE);
      }
      local.addLast(this::onClosed);
    }

    void onClosed() {
      closed = true;
      if (!owner.alive) {
        return;
      }
      if (up) {
        up = false;
        owner.mesh.onLinkDown(linkId, now());
      } else if (outbound) {
        owner.connectFailed(dialledHost, dialledPort);
      }
    }

    void deliver(Object item) {
      if (item == CLOSE) {
        if (!closed) {
          closed = true;
          onClosed();
        }
        return;
      }
      if (closed) {
        return;
      }
      Decoded d = MessageCodec.decode(((Buffer) item).toString().trim());
      if (d.isError()) {
        close(null);
        return;
      }
      if (!up && snapshot != null) {
        JsonObject welcome = snapshot.add(d); // as PeerLink: the parts of the join snapshot, then the link is up
        if (welcome != null) {
          snapshot = null;
          up = true;
          owner.mesh.onLinkUp(linkId, outbound, welcome, now());
        }
        return;
      }
      if (!up) {
        boolean first = outbound ? d.command() == Command.MESH_WELCOME : d.command() == Command.AUTHENTICATE;
        if (outbound && d.command() == Command.MEMBER_DEAD) {
          // PeerLink hands a refusal as dead to the core (with the address dialled), then closes
          owner.core.peerMessage(linkId, d.body().copy().put("viaHostname", dialledHost)
              .put("viaPort", dialledPort), now());
          close(null);
          return;
        }
        if (!first) {
          close(null);
          return;
        }
        if (!outbound && !SECRET.equals(d.body().getString("secret"))) {
          close(MessageCodec.reply(Command.AUTHENTICATION_FAIL, "the supplied secret is incorrect"));
          return;
        }
        snapshot = outbound ? SnapshotAssembler.of(d.body()) : null;
        if (snapshot != null) {
          return;
        }
        up = true;
        owner.mesh.onLinkUp(linkId, outbound, d.body().copy(), now());
        return;
      }
      if (d.command() == Command.AUTHENTICATE || d.command() == Command.MESH_WELCOME
          || d.command() == Command.INVALID_MESSAGE || d.command() == Command.AUTHENTICATION_FAIL) {
        close(null);
        return;
      }
      owner.core.peerMessage(linkId, d.body(), now());
    }
  }

  // ---- one server ----

  /**
   * One server incarnation: the production {@link ServerCore} (its cores and their {@link ReadyLoop}), and
   * what it asked for. Each Ready is carried out at once in the loop's order (a line queued on an
   * in-memory link counts as written), or, with {@link #holdWrites}, its lines wait until
   * {@link #ackWrites}: deliveries and replies come out only then, as the loop releases them.
   */
  public final class Node implements ServerCore.Effects<Consumer<Object>> {
    public final String name;
    public final String id;
    public final String host;
    public final int port;
    final int incarnation;
    public final ServerCore<Consumer<Object>> core;
    public final StateCore state;
    public final MeshCore mesh;
    public final ReadyLoop<Consumer<Object>> loop;
    public boolean alive = true;
    public final List<Delivery> deliveries = new ArrayList<>();
    /** Everything released to local clients, in order: Delivery items and reply bodies. */
    public final List<Object> released = new ArrayList<>();
    /**
     * Releases that happened while a line this server handed to a link was not written yet (the
     * peers-first rule broken); empty when the loop keeps its order.
     */
    public final List<String> earlyReleases = new ArrayList<>();
    private boolean holdWrites;
    /** Held writes, in order: {linkId, line, close?}. */
    private final List<Object[]> unwritten = new ArrayList<>();
    private final List<Ready.Sending<Consumer<Object>>> awaitingWritten = new ArrayList<>();
    public final List<String> kicks = new ArrayList<>();
    public final List<String> rejoinCalls = new ArrayList<>();
    public int membersChangedCalls;

    Node(String name, String id, String host, int port, int incarnation, JsonObject carryOver) {
      this.name = name;
      this.id = id;
      this.host = host;
      this.port = port;
      this.incarnation = incarnation;
      this.core = new ServerCore<>(id, name, new ServerCore.Options(host, port, 0, 0, REDIRECT_TOKEN_MILLIS,
          meshOptions, stateOptions), carryOver, this, now());
      this.state = core.state();
      this.mesh = core.mesh();
      this.loop = core.loop();
    }

    void tick() {
      core.tick(now());
    }

    void connectFailed(String h, int p) {
      core.connectFailed(h, p, now());
    }

    // -- client-side helpers --

    /** REGISTER through the mesh; the holder gets true/false when agreed (null while undecided). */
    public AtomicReference<Boolean> register(String username) {
      AtomicReference<Boolean> result = new AtomicReference<>();
      // REGISTER_SUCCESS: released once the peers have it; a refusal comes at once (see fail)
      core.register(b -> result.set(!(b instanceof BusError)), username, "salt", "hash-" + username, 1, now());
      afterInput();
      return result;
    }

    public LoginResult login(String username) {
      return login(username, null);
    }

    /** A LOGIN answered at once (its result, not the loop's reply; see {@link #loginWhenReady}). */
    public LoginResult login(String username, JsonObject resume) {
      LoginResult r = state.login(username, resume, now());
      afterInput();
      return r;
    }

    /**
     * A LOGIN as the gateway hands it to the core ({@link ServerCore#login}): one that would take over a
     * session of another server waits until that server's events up to the detach are here (or reachable
     * members' digests show nothing more of it), at most 2 s; retried on every tick. The holder gets the
     * result when the loop releases the reply.
     */
    public AtomicReference<LoginResult> loginWhenReady(String username, JsonObject resume) {
      AtomicReference<LoginResult> result = new AtomicReference<>();
      // LOGIN_SUCCESS: released by the loop once the peers have the session's event
      long asked = now();
      core.login(r -> {
        if (now() - asked >= LoginSync.MAX_MILLIS) {
          loginsPastSync.add(username); // availability won over G4 (docs/mesh.md, "LOGIN on another server")
        }
        result.set((LoginResult) r);
      }, username, false, resume, null, asked);
      afterInput();
      return result;
    }

    public boolean send(LoginResult session, String username, JsonObject activity) {
      JsonObject a = activity.copy().put("authenticated_user", username);
      boolean accepted = core.activity(new ActivityIn(session.sessionId(), "conn-" + session.sessionId(), a, 0,
          0), now());
      afterInput();
      return accepted;
    }

    /** The connection broke (classic redelivery window applies). */
    public void detach(String sessionId) {
      core.detach(sessionId, false, false, now(), false, null);
      afterInput();
    }

    /** The end of an input handed to the cores here: carry out what it decided. */
    public void afterInput() {
      if (dirty) {
        carry();
      }
    }

    // -- carrying out Readys --

    /**
     * A Ready is waiting: it is taken when the input being handled is done (the next step of the
     * network, or the end of a client helper), never halfway through one, as StateVerticle takes it at
     * the end of the turn of its loop.
     */
    @Override
    public void pending() {
      dirty = true;
    }

    private boolean dirty;

    /** Takes a Ready and carries it out in the loop's order. */
    private void carry() {
      dirty = false;
      if (!alive) {
        return;
      }
      Ready.Sending<Consumer<Object>> s = loop.ready().persisted();
      s.lines().forEach((linkId, lines) -> write(linkId, lines, false));
      s.closes().forEach((linkId, last) -> write(linkId, last, true));
      if (holdWrites && !s.awaits().isEmpty()) {
        awaitingWritten.add(s); // the links have not written yet
      } else {
        release(s.written());
      }
    }

    /**
     * From now on the lines this server sends stay unwritten (not on their way to the peers) until
     * {@link #ackWrites}; the loop must hold back what depends on them.
     */
    public void holdWrites(boolean on) {
      holdWrites = on;
      if (!on) {
        ackWrites();
      }
    }

    /** The held lines are written (queued to the peers), and the links acknowledge it to the loop. */
    public void ackWrites() {
      List<Object[]> writes = new ArrayList<>(unwritten);
      unwritten.clear();
      for (Object[] w : writes) {
        writeNow((String) w[0], (Buffer) w[1], (Boolean) w[2]);
      }
      // acknowledged last first: markers of different links answer in any order, the loop releases in
      // Ready order all the same
      var acked = new ArrayList<>(awaitingWritten);
      awaitingWritten.clear();
      java.util.Collections.reverse(acked);
      acked.forEach(s -> release(s.written()));
    }

    /** Lines held by {@link #holdWrites}, not yet on their way. */
    public int unwrittenCount() {
      return unwritten.size();
    }

    private void write(String linkId, Buffer line, boolean close) {
      if (holdWrites) {
        unwritten.add(new Object[] {linkId, line, close});
      } else {
        writeNow(linkId, line, close);
      }
    }

    private void writeNow(String linkId, Buffer line, boolean close) {
      End e = ownEnd(linkId);
      if (e == null) {
        return;
      }
      // a Ready gathers a link's lines into one write; the other end reads them line by line
      List<Buffer> lines = new ArrayList<>();
      if (line != null) {
        for (String l : line.toString().split("\n")) {
          if (!l.isBlank()) {
            lines.add(Buffer.buffer(l + "\n"));
          }
        }
      }
      Buffer last = close && !lines.isEmpty() ? lines.remove(lines.size() - 1) : null;
      lines.forEach(e::send);
      if (close) {
        e.close(last);
      }
    }

    private void release(List<Ready.Output<Consumer<Object>>> outputs) {
      for (Ready.Output<Consumer<Object>> o : outputs) {
        if (!unwritten.isEmpty()) {
          earlyReleases.add(o + " while " + unwritten.size() + " lines were unwritten");
        }
        if (o instanceof Ready.Deliver<Consumer<Object>> d) {
          deliveries.addAll(d.items());
          released.addAll(d.items());
        } else if (o instanceof Ready.Reply<Consumer<Object>> r) {
          released.add(r.body());
          r.to().accept(r.body());
        }
      }
    }

    @Override
    public void kick(String sessionId) {
      kicks.add(sessionId);
    }

    /** This server's end of the link, or null (gone, or another server's). */
    private End ownEnd(String linkId) {
      End e = ends.get(linkId);
      return e != null && e.owner == this ? e : null;
    }

    @Override
    public void connect(String hostname, int p, boolean join) {
      local.addLast(() -> dial(hostname, p, join));
    }

    private void dial(String hostname, int p, boolean join) {
      if (!alive) {
        return;
      }
      Node target = null;
      for (Node n : nodes.values()) {
        if (n.host.equals(hostname) && n.port == p && n.alive) {
          target = n;
        }
      }
      if (target == null || target == this || !reachable(this, target)) {
        connectFailed(hostname, p);
        return;
      }
      long k = ++linkCounter;
      End mine = new End("L" + k + "-" + name, this, true, hostname, p);
      End theirs = new End("L" + k + "-" + target.name, target, false, null, 0);
      mine.peer = theirs;
      theirs.peer = mine;
      ends.put(mine.linkId, mine);
      ends.put(theirs.linkId, theirs);
      theirs.inbox.addLast(MessageCodec.encode(Command.AUTHENTICATE, new JsonObject().put("secret", SECRET)
          .put("id", id).put("name", name).put("hostname", host).put("port", port).put("join", join)));
    }

    @Override
    public void members(JsonObject members) {
      membersChangedCalls++;
    }

    @Override
    public void fail(Consumer<Object> request, BusError error, String message) {
      request.accept(error);
    }

    @Override
    public void joined() {
      // nothing waits for the join in the in-memory mesh: its helpers are called once it converged
    }

    @Override
    public void inTransit(String target) {
      // no balancer in the in-memory mesh
    }

    @Override
    public void rejoin(String hostname, int p, JsonObject carryOver) {
      rejoinCalls.add(hostname + ":" + p);
      if (!autoRejoin) {
        return;
      }
      local.addLast(() -> {
        if (!alive) {
          return;
        }
        // as AppVerticle does: the next incarnation hands on the users and own events this one knew
        kill(this, false);
        Node n = create(name, port, incarnation + 1, carryOver);
        if (hostname != null) {
          n.core.joinVia(hostname, p);
        }
      });
    }

    @Override
    public String toString() {
      return id;
    }
  }
}
