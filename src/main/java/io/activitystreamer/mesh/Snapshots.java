package io.activitystreamer.mesh;

import static io.activitystreamer.mesh.MeshCore.LOG;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.replication.Replicator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The join snapshot (state, replication positions, retained events; also what the store writes), its
 * install on a joining server, the rebuild from a store, and the journal that sees every applied event.
 */
final class Snapshots {
  private final MemberTable table;
  private final ReplicatedState state;
  private final Replicator replicator;
  private MeshCore.Journal journal;

  Snapshots(MemberTable table, ReplicatedState state, Replicator replicator) {
    this.table = table;
    this.state = state;
    this.replicator = replicator;
  }

  void journal(MeshCore.Journal journal) {
    this.journal = journal;
  }

  /** An event was applied here (local or replicated): the journal sees it. */
  void applied(Event e) {
    if (journal != null) {
      journal.applied(e);
    }
  }

  JsonObject snapshot() {
    JsonObject positions = new JsonObject();
    replicator.positions().forEach(positions::put);
    JsonArray retained = new JsonArray();
    replicator.retainedEvents().forEach(e -> retained.add(e.toJson()));
    return new JsonObject().put(Fields.STATE, state.snapshot()).put(Fields.POSITIONS, positions)
        .put(Fields.RETAINED, retained);
  }

  /** A join snapshot from the member that welcomed this server: the state is the mesh's now. */
  void install(JsonObject snapshot) {
    installState(snapshot);
    table.joined = true;
    LOG.info("[{}] joined the mesh: {} users, {} sessions", table.self, state.userCount(), state.sessionCount());
    if (journal != null) {
      journal.installed();
    }
  }

  /** A store's last snapshot (may be null), then the events applied after it, through the same code. */
  void recover(JsonObject snapshot, List<Event> events) {
    if (snapshot != null) {
      installState(snapshot);
    }
    for (Event e : events) {
      replicator.receive(e);
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
}
