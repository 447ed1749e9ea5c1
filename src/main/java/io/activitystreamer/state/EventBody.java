package io.activitystreamer.state;

import io.activitystreamer.replication.Event;
import io.vertx.core.json.JsonObject;

/**
 * The body of a replicated {@link Event}, typed: one record per {@link Event.Type}. {@link StateCore}
 * emits these and applies them; {@link EventCodec} is their one translation to and from the body's JSON
 * (the bytes on the wire and in the store). Values; built and read on the state loop.
 */
sealed interface EventBody {
  Event.Type type();

  /** An activity another depends on: {@code aseq} of {@code origin} (per-sender order, G4). */
  record Dep(String origin, long aseq) {}

  /** A user registered (or, after a rejoin, re-announced with its original registration). */
  record UserRegistered(UserRecord user) implements EventBody {
    public Event.Type type() { return Event.Type.USER_REGISTERED; }
  }

  /**
   * A session opened (at LOGIN_SUCCESS), owed what {@code start} does not cover. A moving anonymous
   * session ({@link StateCore#park}) also has {@code token} (its hash, null for a named session), when the
   * token {@code expires}, its last client seq and its last activity ({@code lastOrigin}, {@code lastAseq}).
   */
  record SessionOpened(String id, String username, Vector start, long at, long lastSeq, String token,
                       long expires, String lastOrigin, long lastAseq) implements EventBody {
    public Event.Type type() { return Event.Type.SESSION_OPENED; }

    /** A named user's session. */
    static SessionOpened named(String id, String username, Vector start, long at) {
      return new SessionOpened(id, username, start, at, 0, null, 0, null, 0);
    }
  }

  /** Session {@code id} attached to the event's origin at {@code at}, written {@code delivered} so far. */
  record SessionAttached(String id, Vector delivered, long v, long at) implements EventBody {
    public Event.Type type() { return Event.Type.SESSION_ATTACHED; }
  }

  /** Session {@code id} detached, owed what {@code delivered} does not cover; {@code redirectedAt}: null unless redirected. */
  record SessionDetached(String id, Vector delivered, long v, Long redirectedAt) implements EventBody {
    public Event.Type type() { return Event.Type.SESSION_DETACHED; }
  }

  record SessionClosed(String id) implements EventBody {
    public Event.Type type() { return Event.Type.SESSION_CLOSED; }
  }

  /** What the event's origin had written by {@code at} (its clock) to every session attached there before. */
  record HostProgress(Vector vector, long at) implements EventBody {
    public Event.Type type() { return Event.Type.HOST_PROGRESS; }
  }

  /**
   * Activity {@code aseq} of the event's origin, sent by {@code session} (null: relayed by a classic peer)
   * as client seq {@code sseq} (-1: none). {@code activity} is the JSON the client sent (with
   * {@code authenticated_user}), kept as it is: it is encoded once, into the delivery lines. {@code dep}: null
   * unless it follows an activity of the same sender accepted elsewhere.
   */
  record Activity(String session, String user, long sseq, long aseq, long at, JsonObject activity, Dep dep)
      implements EventBody {
    public Event.Type type() { return Event.Type.ACTIVITY; }
  }
}
