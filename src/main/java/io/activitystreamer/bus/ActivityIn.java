package io.activitystreamer.bus;

import io.vertx.core.json.JsonObject;

/**
 * An ACTIVITY_MESSAGE accepted by a gateway (already authenticated against the connection's login):
 * {@code activity} already carries {@code authenticated_user}. {@code clientSeq} is the resume
 * extension's per-session sequence number, or -1. {@code acceptedNanos}: when the gateway accepted it
 * ({@link System#nanoTime}), for the delivery latency. Sent with {@link LocalCodec}.
 */
public record ActivityIn(String sessionId, String connection, JsonObject activity, long clientSeq,
                         long acceptedNanos) {}
