package io.activitystreamer.bus;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * Activities applied in one turn of the state's event loop, concatenated once: {@code classicLines}
 * for classic clients, {@code resumeLines} (with eids) for resume clients, and which of them each
 * local sender connection sent (to release its in-flight credit and time their delivery). Every
 * gateway instance writes the same buffer to each logged-in connection: one write per connection per
 * batch. Immutable once published; local codec.
 */
public record DeliveryBatch(Buffer classicLines, Buffer resumeLines, int count, Map<String, Accepted> senders) {}
