package io.activitystreamer.store;

import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The snapshot table: the mesh's join snapshot stored as a head row (part 0) and its four big arrays in
 * parts of {@link #PART_ITEMS} items (no single huge row), written in place of the journal it covers and
 * put together again when read.
 */
final class SnapshotTable {
  /** Arrays of the snapshot are stored in parts of this many items (no single huge row). */
  static final int PART_ITEMS = 5000;
  // the mesh snapshot's names (as on the mesh) and the store's own: {state, log, mesh} heads, {in, key, items} parts
  private static final String STATE = Fields.STATE;
  private static final String RETAINED = Fields.RETAINED;
  private static final String USERS = "users";
  private static final String SESSIONS = "sessions";
  private static final String LOG = "log";
  private static final String ENTRIES = "entries";
  private static final String MESH = "mesh";
  private static final String IN = "in";
  private static final String KEY = "key";
  private static final String ITEMS = "items";

  private SnapshotTable() {}

  /** Replaces the journal and the last snapshot by {@code snap} (in the caller's transaction). */
  static void write(Connection db, JsonObject snap) throws SQLException {
    try (Statement st = db.createStatement()) {
      st.executeUpdate("DELETE FROM journal");
      st.executeUpdate("DELETE FROM snapshot");
    }
    JsonObject head = wrap(snap);
    List<JsonObject> parts = new ArrayList<>();
    split(head, STATE, USERS, parts);
    split(head, STATE, SESSIONS, parts);
    split(head, LOG, ENTRIES, parts);
    split(head, MESH, RETAINED, parts);
    try (PreparedStatement ins = db.prepareStatement("INSERT INTO snapshot (part, data) VALUES (?, ?)")) {
      ins.setLong(1, 0);
      ins.setString(2, head.encode());
      ins.executeUpdate();
      for (int i = 0; i < parts.size(); i++) {
        ins.setLong(1, i + 1);
        ins.setString(2, parts.get(i).encode());
        ins.executeUpdate();
      }
    }
  }

  /** The stored snapshot put together, or null if there is none. */
  static JsonObject read(Statement st) throws SQLException {
    JsonObject snapshot = null;
    try (ResultSet rs = st.executeQuery("SELECT part, data FROM snapshot ORDER BY part")) {
      while (rs.next()) {
        JsonObject part = new JsonObject(rs.getString(2));
        if (rs.getLong(1) == 0) {
          snapshot = part;
        } else if (snapshot != null) {
          snapshot.getJsonObject(part.getString(IN)).getJsonArray(part.getString(KEY)).addAll(part.getJsonArray(ITEMS));
        }
      }
    }
    return snapshot == null ? null : unwrap(snapshot);
  }

  /**
   * The mesh snapshot {state: {users, sessions, log: {entries, pruned}, ...}, positions, retained} with its
   * four big arrays one level down, so each can be split into parts: {state, log, mesh: {retained, ...}}.
   */
  private static JsonObject wrap(JsonObject snap) {
    JsonObject state = snap.getJsonObject(STATE);
    JsonObject log = state.getJsonObject(LOG);
    state.remove(LOG);
    JsonObject mesh = new JsonObject();
    snap.forEach(e -> {
      if (!e.getKey().equals(STATE)) {
        mesh.put(e.getKey(), e.getValue());
      }
    });
    return new JsonObject().put(STATE, state).put(LOG, log).put(MESH, mesh);
  }

  private static JsonObject unwrap(JsonObject head) {
    JsonObject state = head.getJsonObject(STATE).put(LOG, head.getJsonObject(LOG));
    return head.getJsonObject(MESH).put(STATE, state);
  }

  /** Moves the items of head[in][key] beyond the first part into parts of {@link #PART_ITEMS}. */
  private static void split(JsonObject head, String in, String key, List<JsonObject> parts) {
    JsonArray all = head.getJsonObject(in).getJsonArray(key, new JsonArray());
    head.getJsonObject(in).put(key, new JsonArray());
    for (int i = 0; i < all.size(); i += PART_ITEMS) {
      JsonArray items = new JsonArray(new ArrayList<>(all.getList().subList(i, Math.min(all.size(), i + PART_ITEMS))));
      parts.add(new JsonObject().put(IN, in).put(KEY, key).put(ITEMS, items));
    }
  }
}
