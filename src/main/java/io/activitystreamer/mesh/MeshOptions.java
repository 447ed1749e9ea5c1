package io.activitystreamer.mesh;

import io.activitystreamer.config.ServerConfig;

/** The mesh's part of the configuration (times in milliseconds). */
public record MeshOptions(long announceIntervalMillis, long suspicionMillis, long digestIntervalMillis,
                          long maxBackoffMillis) {

  public static MeshOptions of(ServerConfig c) {
    return new MeshOptions(c.announceIntervalMillis(), c.suspicionMillis(), c.checkpointIntervalMillis(),
        Math.max(200, c.suspicionMillis() / 4));
  }
}
