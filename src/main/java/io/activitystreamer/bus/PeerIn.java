package io.activitystreamer.bus;

import io.vertx.core.json.JsonObject;

/** A decoded message from an authenticated peer link, or a link's hello ({@code up}). Local codec. */
public record PeerIn(String linkId, JsonObject msg, boolean up, boolean outbound) {}
