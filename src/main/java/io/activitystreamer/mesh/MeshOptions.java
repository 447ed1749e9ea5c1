package io.activitystreamer.mesh;

import io.activitystreamer.config.ServerConfig;

/** The mesh's part of the configuration (times in milliseconds; meshTls: members are dialled on their tlsPort). */
public record MeshOptions(long announceIntervalMillis, long suspicionMillis, long digestIntervalMillis,
                          long maxBackoffMillis, boolean meshTls, int maxAnnouncedLoad, long maxRetainedBytes) {

  /** Plaintext links, any load up to {@code 1_000_000_000} believed, 256 MiB of retained events. */
  public MeshOptions(long announceIntervalMillis, long suspicionMillis, long digestIntervalMillis,
                     long maxBackoffMillis) {
    this(announceIntervalMillis, suspicionMillis, digestIntervalMillis, maxBackoffMillis, false, 1_000_000_000,
        256L * 1024 * 1024);
  }

  /** A member's announced load is believed in 0..maxConnections (the limit of the mesh's servers). */
  public static MeshOptions of(ServerConfig c) {
    return new MeshOptions(c.announceIntervalMillis(), c.suspicionMillis(), c.checkpointIntervalMillis(),
        Math.max(200, c.suspicionMillis() / 4), c.meshTls(), c.maxConnections(), c.maxRetainedBytes());
  }
}
