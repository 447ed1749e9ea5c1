package io.activitystreamer.state;

import io.activitystreamer.config.ServerConfig;

/** The state's part of the configuration. */
public record StateOptions(int backlogMaxCount, long backlogMaxAgeMillis, long redeliverWindowMillis,
                           long checkpointIntervalMillis) {

  public static StateOptions of(ServerConfig c) {
    return new StateOptions(c.backlogMaxCount(), c.backlogMaxAgeMillis(), c.redeliverWindowMillis(),
        c.checkpointIntervalMillis());
  }
}
