package io.activitystreamer.bus;

import io.vertx.core.eventbus.ReplyException;

/** Failure codes of bus requests; callers turn them into wire replies in one place. */
public enum BusError {
  ALREADY_REGISTERED(1),
  NOT_REGISTERED(2),
  UNAVAILABLE(3),
  INTERNAL(4);

  public final int code;

  BusError(int code) {
    this.code = code;
  }

  public static BusError of(Throwable t) {
    if (t instanceof ReplyException re) {
      for (BusError e : values()) {
        if (e.code == re.failureCode()) {
          return e;
        }
      }
    }
    return INTERNAL;
  }
}
