package io.activitystreamer.mesh;

import io.vertx.core.buffer.Buffer;

/**
 * What {@link MeshCore} asks for; implemented by the state's ReadyLoop (lines and closes go into Readys).
 * Called on the state event loop.
 */
public interface MeshOutbox {
  void send(String linkId, Buffer line);

  /** Open an outbound link and AUTHENTICATE; {@code join} asks the peer for a snapshot. */
  void connect(String hostname, int port, boolean join);

  void closeLink(String linkId, Buffer lastLine);

  /** Members or loads changed (for the balancer and the mesh panel). */
  void membersChanged();

  /** Another member began redirecting a client to member {@code target} (not this server). */
  void inTransit(String target);

  /** This incarnation was declared dead by the mesh: rejoin as a new one through that member. */
  void rejoin(String hostname, int port);
}
