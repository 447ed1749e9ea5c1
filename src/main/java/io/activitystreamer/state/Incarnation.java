package io.activitystreamer.state;

import io.activitystreamer.mesh.MeshCore;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.util.Backoff;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One incarnation's life in the mesh: its join (through the seed, retried with backoff until it
 * answers, or a mesh of one), what the previous incarnation handed on (adopted once joined), and the
 * hand-over to the next incarnation when this one is declared dead (after which it accepts nothing).
 * Pure and single-threaded; owned by {@link ServerCore} on the state loop, which hands it the time.
 */
final class Incarnation {
  private final String selfId;
  private final StateCore state;
  private final MeshCore mesh;
  private final ServerCore.Effects<?> effects;
  /** Publishes the member list (once joined). */
  private final Runnable membersChanged;
  private final Backoff joinBackoff = new Backoff(200, 5000);
  private int joinAttempts;
  /** When to dial the seed again after a failed join attempt (0: not waiting), and where. */
  private long joinRetryAt;
  private String joinHost;
  private int joinPort;
  private boolean joinAnnounced;
  /** What the previous incarnation handed on, adopted once joined (null: nothing). */
  private JsonObject carryOver;
  /** Set once this incarnation was declared dead: it accepts nothing more (its state is handed on). */
  private boolean leaving;

  Incarnation(String selfId, StateCore state, MeshCore mesh, JsonObject carryOver, ServerCore.Effects<?> effects,
              Runnable membersChanged) {
    this.selfId = selfId;
    this.state = state;
    this.mesh = mesh;
    this.carryOver = carryOver;
    this.effects = effects;
    this.membersChanged = membersChanged;
  }

  /** The join is complete: the mesh is joined and what the previous incarnation handed on adopted. */
  boolean joined() { return joinAnnounced; }

  /** Declared dead: nothing more is accepted. */
  boolean leaving() { return leaving; }

  void startAlone() {
    mesh.startAlone();
    announceJoined();
  }

  void joinVia(String hostname, int port) {
    joinHost = hostname;
    joinPort = port;
    effects.connect(hostname, port, true);
  }

  void connectFailed(String hostname, int port, long now) {
    if (mesh.joined()) {
      mesh.onConnectFailed(hostname, port, now);
      return;
    }
    joinAttempts++;
    joinHost = hostname;
    joinPort = port;
    long delay = joinBackoff.next();
    joinRetryAt = now + delay;
    ServerCore.LOG.warn("[{}] join attempt {} through {}:{} failed; retrying in {} ms", selfId, joinAttempts,
        hostname, port, delay);
  }

  /**
   * The tick's first step: before the mesh is joined, dials the seed again when its retry is due and
   * returns false; once joined, completes the join (at the first tick after it) and returns true.
   */
  boolean tick(long now) {
    if (!mesh.joined()) {
      if (joinRetryAt > 0 && now >= joinRetryAt) {
        joinRetryAt = 0;
        effects.connect(joinHost, joinPort, true);
      }
      return false;
    }
    announceJoined();
    return true;
  }

  private void announceJoined() {
    if (joinAnnounced || !mesh.joined()) {
      return;
    }
    joinAnnounced = true;
    if (carryOver != null) {
      adopt(carryOver);
      carryOver = null;
    }
    effects.joined();
    membersChanged.run();
  }

  /** Applies and passes on what a previous incarnation or the data directory knew that the mesh lacks. */
  void adopt(JsonObject carry) {
    List<Event> carried = new ArrayList<>();
    carry.getJsonArray(Fields.EVENTS, new JsonArray()).forEach(e -> carried.add(Event.fromJson((JsonObject) e)));
    mesh.adoptCarriedEvents(carried);
    List<UserRecord> known = new ArrayList<>();
    carry.getJsonArray(Fields.USERS, new JsonArray()).forEach(u -> known.add(UserRecord.fromJson((JsonObject) u)));
    state.reassert(known);
  }

  /** See {@link ServerCore#carryOver}. */
  JsonObject carryOver(boolean ownOnly) {
    JsonArray u = new JsonArray();
    state.users().forEach(r -> u.add(r.toJson()));
    JsonArray e = new JsonArray();
    (ownOnly ? mesh.ownRetainedEvents() : mesh.retainedEvents()).forEach(ev -> e.add(ev.toJson()));
    return new JsonObject().put(Fields.USERS, u).put(Fields.EVENTS, e);
  }

  /**
   * Declared dead: the next incarnation gets every user this one knew and its own events still kept
   * (accepted on this side of a partition, say), taken now, in the same input in which the server stops
   * accepting: an activity accepted and echoed after this point would be lost with the old state, so
   * none is.
   */
  void leave(String hostname, int port) {
    if (leaving) {
      return;
    }
    leaving = true;
    effects.rejoin(hostname, port, carryOver(true));
  }
}
