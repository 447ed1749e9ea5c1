package io.activitystreamer.state;

import io.activitystreamer.bus.Accepted;
import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.DeliveryBatch;
import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.mesh.MeshOutbox;
import io.activitystreamer.replication.Event;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The outbox of a server's cores ({@link StateCore}, {@link MeshCore}): gathers what they decide into
 * {@link Ready} values and holds each Ready's deliveries and replies until its acknowledgements come
 * back. Pure and single-threaded: the ServerCore owns it, its adapter (StateVerticle, or the tests' InMemoryMesh)
 * carries out its Readys on the state event loop. The order of effects is {@link Ready}'s:
 *
 * <ol>
 *   <li>persisted: the events behind the Ready are durable (the journal gets each event as it is
 *       applied; the adapter acknowledges once the store's commit covers them);
 *   <li>send: the lines gathered per link, then the closes;
 *   <li>written: every link sent a line since the last released Ready wrote it;
 *   <li>release: delivery batches and replies, in the order the cores produced them, and Readys in the
 *       order they were taken, whatever order their acknowledgements come in.
 * </ol>
 *
 * <p>Which links a Ready waits for does not depend on the order in which a core delivers and
 * replicates one event: every link sent a line is waited for by the next Ready that releases
 * something. A reply seals the deliveries gathered before it (they are released first: a LOGIN's
 * backlog holds them) and later deliveries follow it (the gateway knows the connection is logged in
 * before it sees them).
 *
 * <p>Effects that wait for nothing (kick, connect, members changed, in transit, rejoin) go straight to
 * the adapter's {@link Direct}.
 */
public final class ReadyLoop<R> implements StateOutbox, MeshOutbox {
  /** The adapter's side: effects carried out at once, and the signal that a Ready is waiting. */
  public interface Direct {
    void kick(String sessionId);

    void connect(String hostname, int port, boolean join);

    void membersChanged();

    void inTransit(String target);

    void rejoin(String hostname, int port);

    /** The first effect since the last {@link #ready}: take one soon (at the end of this turn of the loop). */
    void pending();
  }

  private final Direct direct;
  private MeshCore mesh;
  private boolean muted;
  private boolean signalled;
  private Map<String, Buffer> lines = new LinkedHashMap<>();
  private Map<String, Buffer> closes = new LinkedHashMap<>();
  private List<Ready.Output<R>> outputs = new ArrayList<>();
  /** Links sent a line that no Ready waited for yet. */
  private final Set<String> unacked = new LinkedHashSet<>();
  /** Readys with outputs, in the order taken, until released. */
  private final ArrayDeque<Ready.Sending<R>> unreleased = new ArrayDeque<>();
  private Buffer batchClassic;
  private Buffer batchResume;
  private int batchCount;
  private Map<String, Accepted> batchSenders;
  private List<Delivery> batchItems;
  private long acceptingNanos;
  private Supplier<Map<String, Long>> appliedPositions = Map::of;

  public ReadyLoop(Direct direct) {
    this.direct = direct;
  }

  /** The mesh core that replicates the state core's local events (the current one, after a swap). */
  public void replicateTo(MeshCore mesh) {
    this.mesh = mesh;
  }

  /** The state core's applied positions, stamped on each delivery batch as it is cut. */
  public void appliedPositions(Supplier<Map<String, Long>> positions) {
    this.appliedPositions = positions;
  }

  /** While replaying a store: deliveries, lines and kicks are dropped (nothing goes out). */
  public void mute(boolean muted) {
    this.muted = muted;
  }

  /** While an activity from a client here is accepted: when its gateway accepted it (0 otherwise). */
  public void accepting(long acceptedNanos) {
    this.acceptingNanos = acceptedNanos;
  }

  /**
   * Answers {@code to} with {@code body} once everything the cores decided so far is persisted and
   * written to the links. Deliveries gathered before it are released first.
   */
  public void reply(R to, Object body) {
    cutBatch();
    outputs.add(new Ready.Reply<>(to, body));
    signal();
  }

  /**
   * Takes what was gathered since the last call: after an input (or a batch of them) was handled, never
   * halfway through one (not from {@link Direct#pending}). The open delivery batch goes with it.
   */
  public Ready<R> ready() {
    if (signalling) {
      // e.g. a delivery whose event is not replicated yet: its lines would miss this Ready's wait
      throw new IllegalStateException("a Ready is taken after an input, not from pending()");
    }
    signalled = false;
    cutBatch();
    Set<String> awaits = Set.of();
    if (!outputs.isEmpty() && !unacked.isEmpty()) {
      awaits = new LinkedHashSet<>(unacked);
      unacked.clear();
    }
    Ready.Sending<R> s = new Ready.Sending<>(this, lines, closes, awaits, outputs);
    if (!outputs.isEmpty()) {
      unreleased.addLast(s);
    }
    if (!lines.isEmpty() || !closes.isEmpty()) {
      lines = new LinkedHashMap<>();
      closes = new LinkedHashMap<>();
    }
    if (!outputs.isEmpty()) {
      outputs = new ArrayList<>();
    }
    return new Ready<>(s);
  }

  /** The outputs of the acknowledged Readys at the head of the queue, in order. */
  List<Ready.Output<R>> released() {
    List<Ready.Output<R>> out = null;
    while (!unreleased.isEmpty() && unreleased.peekFirst().written) {
      List<Ready.Output<R>> o = unreleased.pollFirst().outputs;
      if (out == null) {
        out = o;
      } else {
        out.addAll(o);
      }
    }
    return out == null ? List.of() : out;
  }

  private void signal() {
    if (!signalled) {
      signalled = true;
      signalling = true;
      try {
        direct.pending();
      } finally {
        signalling = false;
      }
    }
  }

  /** True inside {@link Direct#pending}: a core is halfway through an input, no Ready may be taken. */
  private boolean signalling;

  private void cutBatch() {
    if (batchClassic == null) {
      return;
    }
    outputs.add(new Ready.Deliver<>(new DeliveryBatch(batchClassic, batchResume, batchCount, batchSenders,
        appliedPositions.get()),
        batchItems));
    batchClassic = null;
    batchResume = null;
    batchCount = 0;
    batchSenders = null;
    batchItems = null;
  }

  // ---- StateOutbox ----

  /** Deliveries of one Ready go out as one batch: one write per client for all of them. */
  @Override
  public void deliver(Delivery delivery) {
    if (muted) {
      return;
    }
    boolean opened = batchClassic == null;
    if (opened) {
      batchClassic = Buffer.buffer(4096);
      batchResume = Buffer.buffer(4096);
      batchSenders = new HashMap<>();
      batchItems = new ArrayList<>();
    }
    batchCount++;
    batchClassic.appendBuffer(delivery.classicLine());
    batchResume.appendBuffer(delivery.resumeLine());
    batchItems.add(delivery);
    if (delivery.senderConnection() != null) {
      batchSenders.computeIfAbsent(delivery.senderConnection(), c -> new Accepted()).add(acceptingNanos);
    }
    if (opened) {
      signal(); // a batch already open is cut by the Ready the adapter takes anyway (or by its 1 ms timer)
    }
  }

  @Override
  public void replicate(Event event) {
    mesh.onLocalEvent(event);
  }

  @Override
  public void kick(String sessionId) {
    if (!muted) {
      direct.kick(sessionId);
    }
  }

  // ---- MeshOutbox ----

  /** Lines for one link are gathered until the Ready is taken (order per link kept). */
  @Override
  public void send(String linkId, Buffer line) {
    if (muted || closes.containsKey(linkId)) {
      return; // (a line after the close would never be written)
    }
    Buffer pending = lines.get(linkId);
    if (pending == null) {
      lines.put(linkId, line.copy());
    } else {
      pending.appendBuffer(line);
    }
    unacked.add(linkId);
    signal();
  }

  @Override
  public void closeLink(String linkId, Buffer lastLine) {
    Buffer last = lines.remove(linkId);
    if (last == null) {
      last = lastLine;
    } else if (lastLine != null) {
      last.appendBuffer(lastLine);
    }
    closes.put(linkId, last);
    signal();
  }

  @Override
  public void connect(String hostname, int port, boolean join) {
    direct.connect(hostname, port, join);
  }

  @Override
  public void membersChanged() {
    direct.membersChanged();
  }

  @Override
  public void inTransit(String target) {
    direct.inTransit(target);
  }

  @Override
  public void rejoin(String hostname, int port) {
    direct.rejoin(hostname, port);
  }
}
