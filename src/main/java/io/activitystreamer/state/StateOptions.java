package io.activitystreamer.state;

import io.activitystreamer.config.ServerConfig;

/** The state's part of the configuration. */
public record StateOptions(int backlogMaxCount, long backlogMaxAgeMillis, long redeliverWindowMillis,
                           long checkpointIntervalMillis, long maxBacklogBytes) {

  /** Without a byte bound on the backlog. */
  public StateOptions(int backlogMaxCount, long backlogMaxAgeMillis, long redeliverWindowMillis,
      long checkpointIntervalMillis) {
    this(backlogMaxCount, backlogMaxAgeMillis, redeliverWindowMillis, checkpointIntervalMillis, Long.MAX_VALUE);
  }

  public static StateOptions of(ServerConfig c) {
    return new StateOptions(c.backlogMaxCount(), c.backlogMaxAgeMillis(), c.redeliverWindowMillis(),
        c.checkpointIntervalMillis(), c.maxBacklogBytes());
  }
}
