package io.activitystreamer.state;

import io.activitystreamer.bus.Delivery;
import io.activitystreamer.replication.Event;

/**
 * What {@link StateCore} asks for; implemented by {@link ReadyLoop}, which gathers it into Readys. Called
 * on the state event loop.
 */
public interface StateOutbox {
  /** Write this activity to every logged-in connection of this server. */
  void deliver(Delivery delivery);

  /** Send this locally originated event to every peer. */
  void replicate(Event event);

  /** The session was attached elsewhere: close its connection here, if any. */
  void kick(String sessionId);
}
