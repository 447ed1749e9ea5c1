package io.activitystreamer.state;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.replication.Event;
import io.activitystreamer.state.EventBody.Activity;
import io.activitystreamer.state.EventBody.Dep;
import io.activitystreamer.state.EventBody.HostProgress;
import io.activitystreamer.state.EventBody.SessionAttached;
import io.activitystreamer.state.EventBody.SessionClosed;
import io.activitystreamer.state.EventBody.SessionDetached;
import io.activitystreamer.state.EventBody.SessionOpened;
import io.activitystreamer.state.EventBody.UserRegistered;
import io.vertx.core.json.JsonObject;

/**
 * The one translation between an {@link EventBody} and the {@link Event#body()} JSON, in both directions:
 * the only place of the state that spells an event body's field names (constants of {@link Fields}). The
 * JSON keeps its keys in the order written here (the bytes on the wire and in the store). Stateless.
 */
final class EventCodec {
  private EventCodec() {}

  static JsonObject encode(EventBody body) {
    if (body instanceof Activity a) {
      return activity(a); // first: the hot path
    }
    if (body instanceof UserRegistered u) {
      return user(u.user());
    }
    if (body instanceof SessionOpened o) {
      JsonObject j = new JsonObject().put(Fields.ID, o.id()).put(Fields.USERNAME, o.username())
          .put(Fields.START, o.start().toJson()).put(Fields.AT, o.at());
      if (o.token() != null) {
        j.put(Fields.LAST_SEQ, o.lastSeq()).put(Fields.TOKEN, o.token()).put(Fields.EXPIRES, o.expires())
            .put(Fields.LAST_ORIGIN, o.lastOrigin()).put(Fields.LAST_ASEQ, o.lastAseq());
      }
      return j;
    }
    if (body instanceof SessionAttached a) {
      return new JsonObject().put(Fields.ID, a.id()).put(Fields.DELIVERED, a.delivered().toJson())
          .put(Fields.V, a.v()).put(Fields.AT, a.at());
    }
    if (body instanceof SessionDetached d) {
      JsonObject j = new JsonObject().put(Fields.ID, d.id()).put(Fields.DELIVERED, d.delivered().toJson())
          .put(Fields.V, d.v());
      if (d.redirectedAt() != null) {
        j.put(Fields.REDIRECTED_AT, d.redirectedAt());
      }
      return j;
    }
    if (body instanceof SessionClosed c) {
      return new JsonObject().put(Fields.ID, c.id());
    }
    HostProgress p = (HostProgress) body;
    return new JsonObject().put(Fields.VECTOR, p.vector().toJson()).put(Fields.AT, p.at());
  }

  private static JsonObject activity(Activity a) {
    JsonObject j = new JsonObject().put(Fields.SESSION, a.session()).put(Fields.USER, a.user())
        .put(Fields.SSEQ, a.sseq()).put(Fields.ASEQ, a.aseq()).put(Fields.AT, a.at())
        .put(Fields.ACTIVITY, a.activity());
    if (a.dep() != null) {
      j.put(Fields.DEP, new JsonObject().put(Fields.ORIGIN, a.dep().origin()).put(Fields.ASEQ, a.dep().aseq()));
    }
    return j;
  }

  /** A user record's JSON: the USER_REGISTERED body, also a user in the join snapshot and on the bus. */
  static JsonObject user(UserRecord u) {
    return new JsonObject().put(Fields.USERNAME, u.username()).put(Fields.SALT, u.salt()).put(Fields.HASH, u.hash())
        .put(Fields.ITERATIONS, u.iterations()).put(Fields.REGISTERED_AT, u.registeredAt())
        .put(Fields.ORIGIN, u.origin());
  }

  static UserRecord user(JsonObject j) {
    return new UserRecord(j.getString(Fields.USERNAME), j.getString(Fields.SALT), j.getString(Fields.HASH),
        j.getInteger(Fields.ITERATIONS), j.getLong(Fields.REGISTERED_AT), j.getString(Fields.ORIGIN));
  }

  /** The typed body of {@code e}. An ACTIVITY's activity stays the body's object (not copied, not decoded). */
  static EventBody decode(Event e) {
    JsonObject b = e.body();
    return switch (e.type()) {
      case ACTIVITY -> activity(b);
      case USER_REGISTERED -> new UserRegistered(user(b));
      case SESSION_OPENED -> sessionOpened(b);
      case SESSION_ATTACHED -> sessionAttached(b);
      case SESSION_DETACHED -> sessionDetached(b);
      case SESSION_CLOSED -> new SessionClosed(b.getString(Fields.ID));
      case HOST_PROGRESS -> hostProgress(b);
    };
  }

  private static SessionOpened sessionOpened(JsonObject b) {
    return new SessionOpened(b.getString(Fields.ID), b.getString(Fields.USERNAME),
        Vector.fromJson(b.getJsonObject(Fields.START)), b.getLong(Fields.AT, 0L), b.getLong(Fields.LAST_SEQ, 0L),
        b.getString(Fields.TOKEN), b.getLong(Fields.EXPIRES, 0L), b.getString(Fields.LAST_ORIGIN),
        b.getLong(Fields.LAST_ASEQ, 0L));
  }

  private static SessionAttached sessionAttached(JsonObject b) {
    return new SessionAttached(b.getString(Fields.ID), Vector.fromJson(b.getJsonObject(Fields.DELIVERED)),
        b.getLong(Fields.V, 0L), b.getLong(Fields.AT, 0L));
  }

  private static SessionDetached sessionDetached(JsonObject b) {
    return new SessionDetached(b.getString(Fields.ID), Vector.fromJson(b.getJsonObject(Fields.DELIVERED)),
        b.getLong(Fields.V, 0L), b.getLong(Fields.REDIRECTED_AT));
  }

  private static HostProgress hostProgress(JsonObject b) {
    return new HostProgress(Vector.fromJson(b.getJsonObject(Fields.VECTOR)), b.getLong(Fields.AT, Long.MAX_VALUE));
  }

  private static Activity activity(JsonObject b) {
    return new Activity(b.getString(Fields.SESSION), b.getString(Fields.USER), b.getLong(Fields.SSEQ, -1L),
        b.getLong(Fields.ASEQ), b.getLong(Fields.AT, 0L), b.getJsonObject(Fields.ACTIVITY), dep(b));
  }

  /** The session a SESSION_ATTACHED, SESSION_DETACHED or SESSION_CLOSED body names. */
  static String sessionOf(JsonObject b) {
    return b.getString(Fields.ID);
  }

  /** The activity an ACTIVITY body depends on, or null. */
  static Dep dep(JsonObject b) {
    JsonObject dep = b.getJsonObject(Fields.DEP);
    return dep == null ? null : new Dep(dep.getString(Fields.ORIGIN), dep.getLong(Fields.ASEQ));
  }
}
