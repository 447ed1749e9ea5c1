package io.activitystreamer.mesh;

import io.activitystreamer.config.ServerConfig;

/** The mesh's part of the configuration (times in milliseconds; meshTls: members are dialled on their tlsPort). */
public record MeshOptions(long announceIntervalMillis, long suspicionMillis, long digestIntervalMillis,
                          long maxBackoffMillis, boolean meshTls) {

  /** Plaintext links. */
  public MeshOptions(long announceIntervalMillis, long suspicionMillis, long digestIntervalMillis,
                     long maxBackoffMillis) {
    this(announceIntervalMillis, suspicionMillis, digestIntervalMillis, maxBackoffMillis, false);
  }

  public static MeshOptions of(ServerConfig c) {
    return new MeshOptions(c.announceIntervalMillis(), c.suspicionMillis(), c.checkpointIntervalMillis(),
        Math.max(200, c.suspicionMillis() / 4), c.meshTls());
  }
}
