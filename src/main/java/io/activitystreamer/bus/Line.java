package io.activitystreamer.bus;

import io.vertx.core.buffer.Buffer;

/** A line to write on a peer link; {@code close} ends the link after it (line may be null). Local codec. */
public record Line(Buffer line, boolean close) {}
