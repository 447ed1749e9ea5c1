package io.activitystreamer.bus;

import io.vertx.core.buffer.Buffer;

/**
 * One activity to write to every logged-in connection of every gateway instance, encoded once.
 * {@code classicLine} is the plain ACTIVITY_BROADCAST; {@code resumeLine} adds the {@code eid} of the
 * resume extension. {@code senderConnection} lets the sender's gateway release its in-flight credit.
 * Immutable; stays inside the state verticle, which gathers deliveries into a {@link DeliveryBatch}.
 */
public record Delivery(Buffer classicLine, Buffer resumeLine, String senderConnection) {}
