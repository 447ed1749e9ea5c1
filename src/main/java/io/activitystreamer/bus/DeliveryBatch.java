package io.activitystreamer.bus;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * Activities applied in one turn of the state's event loop, concatenated once: {@code classicLines}
 * for classic clients, {@code resumeLines} (with eids) for resume clients, and which of them each
 * local sender connection sent (to release its in-flight credit and time their delivery). Every
 * gateway instance writes the same buffer to each logged-in connection: one write per connection per
 * batch. {@code through}: the state's applied position per origin when the batch was cut; every
 * activity up to it is in this batch or an earlier one, so a connection that read this batch read
 * all of them (the exact detach of a client that closed having read everything, docs/PROTOCOL.md).
 * Immutable once published; local codec.
 */
public record DeliveryBatch(Buffer classicLines, Buffer resumeLines, int count, Map<String, Accepted> senders,
    Map<String, Long> through) {}
