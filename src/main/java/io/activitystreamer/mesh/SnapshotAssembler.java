package io.activitystreamer.mesh;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.vertx.core.json.JsonObject;

/**
 * The dialler's side of a join snapshot sent in parts ({@link PeerMessages#welcome}): a MESH_WELCOME
 * with {@code snapshotParts: N}, then N MESH_SNAPSHOT lines {@code {part, data}} whose data, in order,
 * is the snapshot's JSON text. No line on a link has to hold the whole state, so a state larger than
 * any line limit still lets a new server join. Bad input throws {@link IllegalArgumentException} with
 * the reason (the link refuses and closes).
 */
public final class SnapshotAssembler {
  /** Most characters of snapshot text taken (what a Java string can hold, with room). */
  static final long MAX_CHARS = Integer.MAX_VALUE - 1024;

  private final JsonObject welcome;
  private final int parts;
  private final StringBuilder text = new StringBuilder();
  private int received;

  private SnapshotAssembler(JsonObject welcome, int parts) {
    this.welcome = welcome;
    this.parts = parts;
  }

  /** For a MESH_WELCOME: an assembler if parts of a snapshot follow it, else null. */
  public static SnapshotAssembler of(JsonObject welcome) {
    Object n = welcome.getValue(Fields.SNAPSHOT_PARTS);
    if (n == null) {
      return null;
    }
    if (!(n instanceof Integer parts) || parts <= 0) {
      throw new IllegalArgumentException("field '" + Fields.SNAPSHOT_PARTS + "' must be a positive number");
    }
    JsonObject w = welcome.copy();
    w.remove(Fields.SNAPSHOT_PARTS);
    return new SnapshotAssembler(w, parts);
  }

  /** Takes the next part; returns the MESH_WELCOME with its {@code snapshot} after the last one, null before. */
  public JsonObject add(Decoded d) {
    Object part = d.body().getValue(Fields.PART);
    if (d.command() != Command.MESH_SNAPSHOT || !Integer.valueOf(received).equals(part)
        || !(d.body().getValue(Fields.DATA) instanceof String data)) {
      throw new IllegalArgumentException("expected MESH_SNAPSHOT part " + received + " of " + parts
          + " with its data, got " + d.command());
    }
    if (text.length() + (long) data.length() > MAX_CHARS) {
      throw new IllegalArgumentException("join snapshot larger than " + MAX_CHARS + " characters");
    }
    text.append(data);
    if (++received < parts) {
      return null;
    }
    JsonObject snapshot;
    try {
      snapshot = new JsonObject(text.toString());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the join snapshot is not a JSON object: " + e.getMessage());
    }
    text.setLength(0);
    return welcome.put(Fields.SNAPSHOT, snapshot);
  }
}
