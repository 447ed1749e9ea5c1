package io.activitystreamer.store;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

/**
 * Whether this server's store can write now, shared with the gateways (Vert.x local shared data): while
 * its commits fail (a full disk) a gateway refuses new activities saying why, instead of accepting what
 * could not be kept. Set by {@link Store}; thread-safe.
 */
public final class StoreHealth implements Shareable {
  private volatile String failure;

  public static StoreHealth of(Vertx vertx) {
    return vertx.sharedData().<String, StoreHealth>getLocalMap("streamer.store")
        .computeIfAbsent("health", k -> new StoreHealth());
  }

  /** Why the last commit failed, or null while writes succeed (and without a data directory). */
  public String failure() {
    return failure;
  }

  void failure(String why) {
    failure = why;
  }
}
