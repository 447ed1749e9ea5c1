package io.activitystreamer.state;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.bus.DeliveryBatch;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the cores decided since the last {@link ReadyLoop#ready}, in the order the adapter must carry it
 * out. Each step's effects are reachable only from the acknowledgement of the step before:
 *
 * <pre>
 *   Ready r = loop.ready();
 *   Sending s = r.persisted();        // 1. every event the cores applied up to r is durable (store.durable())
 *   s.lines(), s.closes()             // 2. write them to the links, in that order
 *   List&lt;Output&gt; out = s.written();   // 3. every link in s.awaits() wrote what it was sent (a marker answered)
 *   out: Deliver / Reply              // 4. deliver to local clients and reply, in this order
 * </pre>
 *
 * So a delivery batch or a REGISTER_SUCCESS / LOGIN_SUCCESS cannot reach a client before the peers
 * have the events behind it (and, with a data directory, before they are on disk): there is no other
 * way to get at them. Owned by the state event loop; {@code R} is the adapter's handle of a request to
 * answer (a bus message in StateVerticle, anything in tests).
 */
public final class Ready<R> {
  private final Sending<R> sending;
  private boolean persisted;

  Ready(Sending<R> sending) {
    this.sending = sending;
  }

  /** True if there is nothing to send, deliver or answer. */
  public boolean isEmpty() {
    return sending.isEmpty();
  }

  /** Acknowledges step 1 (the events applied up to this Ready are durable) and hands out step 2. */
  public Sending<R> persisted() {
    if (persisted) {
      throw new IllegalStateException("persisted() twice");
    }
    persisted = true;
    return sending;
  }

  /** Step 2: lines for the links; step 3 is {@link #written}, acknowledged once {@link #awaits} wrote them. */
  public static final class Sending<R> {
    private final ReadyLoop<R> loop;
    private final Map<String, Buffer> lines;
    private final Map<String, Buffer> closes;
    private final Set<String> awaits;
    final List<Output<R>> outputs;
    boolean written;

    Sending(ReadyLoop<R> loop, Map<String, Buffer> lines, Map<String, Buffer> closes, Set<String> awaits,
            List<Output<R>> outputs) {
      this.loop = loop;
      this.lines = lines;
      this.closes = closes;
      this.awaits = awaits;
      this.outputs = outputs;
    }

    boolean isEmpty() {
      return lines.isEmpty() && closes.isEmpty() && outputs.isEmpty();
    }

    /** The lines for each link, gathered (one write per link), in the order the cores sent them. */
    public Map<String, Buffer> lines() {
      return lines;
    }

    /** Links to close after their lines, each with its last line (may be null). */
    public Map<String, Buffer> closes() {
      return closes;
    }

    /**
     * The links that must acknowledge they wrote everything they were sent so far before step 4: every
     * link sent a line since the last acknowledged Ready with outputs (empty when this Ready releases
     * nothing).
     */
    public Set<String> awaits() {
      return awaits;
    }

    /**
     * Acknowledges step 3 and hands out step 4: this Ready's deliveries and replies, and those of later
     * Readys already acknowledged, in Ready order (none while an earlier Ready is not acknowledged).
     */
    public List<Output<R>> written() {
      if (written) {
        throw new IllegalStateException("written() twice");
      }
      written = true;
      return loop.released();
    }
  }

  /** Step 4: what goes to local clients, in order. */
  public sealed interface Output<R> permits Deliver, Reply {}

  /** A batch of activities for every logged-in connection here ({@code items}: the same, one by one). */
  public record Deliver<R>(DeliveryBatch batch, List<Delivery> items) implements Output<R> {}

  /** The answer to a request whose effects were in this or an earlier Ready. */
  public record Reply<R>(R to, Object body) implements Output<R> {}
}
