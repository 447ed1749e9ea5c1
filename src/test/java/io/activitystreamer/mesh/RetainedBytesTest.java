package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.replication.Event;
import io.activitystreamer.replication.Replicator;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retained events are kept within maxRetainedBytes: the oldest go first, the usual few are never sized. */
class RetainedBytesTest {

  private static Replicator withEvents(String origin, int n, int payload) {
    Replicator r = new Replicator(new Replicator.Applier() {
      @Override
      public boolean ready(Event e) {
        return true;
      }

      @Override
      public void apply(Event e) { }
    });
    String pad = "p".repeat(payload);
    for (int i = 1; i <= n; i++) {
      r.recordLocal(new Event(origin, i, Event.Type.ACTIVITY, new JsonObject().put("n", i).put("pad", pad)));
    }
    return r;
  }

  @Test
  void pastTheBoundTheOldestAreDroppedAndTheNewestKept() {
    Replicator r = withEvents("a", 30_000, 1000); // about 30 MB encoded
    int dropped = r.boundBytes(12L * 1024 * 1024);
    int kept = r.retainedCount();
    assertEquals(30_000, dropped + kept);
    assertTrue(kept >= 10_000 && kept <= 13_000, "about 12 MiB of ~1.1 KB events kept: " + kept);
    List<Event> left = r.since("a", 0);
    assertEquals(30_000, left.get(left.size() - 1).seq(), "the newest stays");
    assertEquals(30_000 - kept + 1, left.get(0).seq(), "the oldest went first");
  }

  @Test
  void fewEventsAreKeptWhateverTheirSize() {
    Replicator r = withEvents("a", 5_000, 10_000); // 50 MB, but only 5,000 events
    assertEquals(0, r.boundBytes(1024 * 1024));
    assertEquals(5_000, r.retainedCount());
  }

  @Test
  void theOriginsHoldingMostGiveFirst() {
    Replicator r = withEvents("big", 25_000, 1000);
    for (int i = 1; i <= 2_000; i++) {
      r.recordLocal(new Event("small", i, Event.Type.ACTIVITY, new JsonObject().put("n", i).put("pad", "p".repeat(1000))));
    }
    r.boundBytes(12L * 1024 * 1024);
    assertEquals(2_000, r.since("small", 0).size(), "the small origin keeps all of its events");
    assertTrue(r.since("big", 0).size() < 25_000);
  }
}
