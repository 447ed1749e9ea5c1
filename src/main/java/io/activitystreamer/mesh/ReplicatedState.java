package io.activitystreamer.mesh;

import io.activitystreamer.replication.Replicator;
import io.vertx.core.json.JsonObject;
import java.util.function.Predicate;

/**
 * The replicated state as the mesh sees it (implemented by the state core): it applies the events the
 * replicator hands on in origin order, accepts an activity relayed by a classic peer, records a name the
 * mesh agreed on, and travels in the join snapshot. The mesh knows nothing else of the state, so the
 * {@code mesh} package does not depend on {@code state}.
 */
public interface ReplicatedState extends Replicator.Applier {
  /** Which hosts count as live for the sessions attached there (the mesh's member table answers). */
  void hostLiveness(Predicate<String> hostLive);

  /** A client's (or, with a null session, a classic peer's relayed) activity; false if refused. */
  boolean accept(String sessionId, String username, JsonObject activity, long clientSeq, String connection,
      long now);

  /** Records a name the mesh agreed on; false if it is taken after all. */
  boolean register(String username, String salt, String hash, int iterations, long now);

  boolean registered(String username);

  int userCount();

  int sessionCount();

  JsonObject snapshot();

  void install(JsonObject snapshot);
}
