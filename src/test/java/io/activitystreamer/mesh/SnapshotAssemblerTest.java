package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.MessageCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The join snapshot in parts: split on the sender, reassembled by the dialler, bad parts refused. */
class SnapshotAssemblerTest {

  @Test
  void splittingNeverCutsASurrogatePairAndJoinsBackToTheSameText() {
    String text = "ab\uD83D\uDE00cd\uD83D\uDE00";
    for (int size = 1; size <= text.length() + 1; size++) {
      List<String> parts = PeerMessages.split(text, size);
      assertEquals(text, String.join("", parts));
      for (String p : parts) {
        assertTrue(p.isEmpty() || !Character.isHighSurrogate(p.charAt(p.length() - 1)), size + ": " + parts);
      }
    }
  }

  @Test
  void aWelcomeAndItsPartsGiveBackTheSnapshot() {
    JsonObject snapshot = new JsonObject().put("state", new JsonObject().put("users",
        new JsonArray().add("\u00e9l\u00e8ve \uD83D\uDE00").add("x".repeat(5000))));
    List<Decoded> lines = new ArrayList<>();
    for (String line : PeerMessages.welcome("a#1", "a", "h", 1, 0, new JsonArray(), snapshot).toString().split("\n")) {
      lines.add(MessageCodec.decode(line));
    }
    assertEquals(Command.MESH_WELCOME, lines.get(0).command());
    SnapshotAssembler a = SnapshotAssembler.of(lines.get(0).body());
    JsonObject welcome = null;
    for (int i = 1; i < lines.size(); i++) {
      assertNull(welcome, "complete only after the last part");
      welcome = a.add(lines.get(i));
    }
    assertEquals(snapshot, welcome.getJsonObject("snapshot"));
    assertEquals("a#1", welcome.getString("id"));
    assertNull(welcome.getValue("snapshotParts"));
  }

  @Test
  void partsOutOfOrderOrOfAnotherKindAreRefused() {
    SnapshotAssembler a = SnapshotAssembler.of(new JsonObject().put("snapshotParts", 2));
    Decoded second = MessageCodec.decode(new JsonObject().put("command", "MESH_SNAPSHOT").put("part", 1)
        .put("data", "{}").encode());
    assertThrows(IllegalArgumentException.class, () -> a.add(second));
    Decoded other = MessageCodec.decode(new JsonObject().put("command", "MESH_DIGEST").encode());
    assertThrows(IllegalArgumentException.class, () -> SnapshotAssembler.of(new JsonObject().put("snapshotParts", 1))
        .add(other));
    assertThrows(IllegalArgumentException.class, () -> SnapshotAssembler.of(new JsonObject().put("snapshotParts", -1)));
    SnapshotAssembler notJson = SnapshotAssembler.of(new JsonObject().put("snapshotParts", 1));
    assertThrows(IllegalArgumentException.class, () -> notJson.add(MessageCodec.decode(new JsonObject()
        .put("command", "MESH_SNAPSHOT").put("part", 0).put("data", "{not json").encode())));
  }
}
