package io.activitystreamer.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class EidSpliceTest {

  @Test
  void resumeLineIsTheBroadcastWithItsEidAndStillOneLine() {
    JsonObject activity = new JsonObject().put("text", "hi \"there\"}").put("authenticated_user", "ann");
    Buffer classic = MessageCodec.broadcast(activity);
    Buffer resume = MessageCodec.withEid(classic, "h:3780#k\"2", 42);
    String line = resume.toString();
    assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, line);
    JsonObject parsed = new JsonObject(line.trim());
    assertEquals("ACTIVITY_BROADCAST", parsed.getString("command"));
    assertEquals(activity, parsed.getJsonObject("activity"));
    assertEquals(new JsonObject().put("origin", "h:3780#k\"2").put("n", 42), parsed.getJsonObject("eid"));
  }
}
