package io.activitystreamer.gateway;

import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import io.activitystreamer.protocol.Usernames;
import io.activitystreamer.util.ConstantTime;
import io.vertx.core.json.JsonObject;

/**
 * What an ACTIVITY_MESSAGE of a logged-in connection must pass before it goes to the state, in this
 * order: the login's name and secret (constant-time), an activity object, the activity rate limit
 * (token bucket, {@code activityRateLimit} per second, burst as many), a writable store. A resend the
 * session already accepted (resume extension: {@code seq} at or below the last one) is dropped. One per
 * login, owned by its {@link ClientSession}; pure, no clock ({@code now} is {@link System#nanoTime}).
 * The verdict of the last check is kept in fields (nothing is allocated per activity).
 */
final class ActivityCheck {
  private final String user;
  private final String secret;
  private final boolean anonymous;
  private final int rate;
  /** Highest client seq accepted on this session; resends at or below it are dropped. */
  private long lastClientSeq;
  private double tokens = -1;
  private long tokensAt;

  private ProtocolError refusal;
  private Limit limit;
  private JsonObject activity;
  private long clientSeq;

  ActivityCheck(String user, String secret, boolean anonymous, long lastClientSeq, int rate) {
    this.user = user;
    this.secret = secret;
    this.anonymous = anonymous;
    this.lastClientSeq = lastClientSeq;
    this.rate = rate;
  }

  /**
   * True when {@code d} is accepted: {@link #activity} (with {@code authenticated_user}) and
   * {@link #clientSeq} go to the state. False when it is refused ({@link #refusal}, maybe counted as
   * {@link #limit}) or a resend to drop (no refusal). {@code storeFailure}: why the store cannot be
   * written now, or null.
   */
  boolean accept(Decoded d, long now, String storeFailure) {
    refusal = null;
    limit = null;
    if (!user.equals(Usernames.normalise(d.string(Fields.USERNAME)))) {
      return refuse(ProtocolError.authFail("username does not match the logged-in user"), null);
    }
    if (!anonymous && !ConstantTime.equals(secret, d.string(Fields.SECRET))) {
      return refuse(ProtocolError.authFail("secret does not match the logged-in user"), null);
    }
    Object value = d.body().getValue(Fields.ACTIVITY);
    if (value == null) {
      return refuse(ProtocolError.invalid("missing field 'activity'"), null);
    }
    if (!(value instanceof JsonObject act)) {
      return refuse(ProtocolError.invalid("field 'activity' must be a JSON object"), null);
    }
    if (overRate(now)) {
      return refuse(ProtocolError.invalid("rate limit: more than " + rate
          + " activities per second (activityRateLimit); the activities before this one were accepted"),
          Limit.ACTIVITY_RATE);
    }
    if (storeFailure != null) {
      return refuse(ProtocolError.invalid("this server cannot store activities now: its data directory cannot be"
          + " written (" + storeFailure + "); this activity was not accepted (the ones before it were): send it"
          + " through another member"), null);
    }
    act.put(Fields.AUTHENTICATED_USER, user);
    activity = act;
    clientSeq = MessageCodec.clientSeq(d.body());
    if (clientSeq > 0 && clientSeq <= lastClientSeq) {
      // a resend the session already accepted: the state would drop it and never echo it, so it must
      // not take a credit (the connection would stall after maxInFlightPerClient of them)
      return false;
    }
    lastClientSeq = Math.max(lastClientSeq, clientSeq);
    return true;
  }

  private boolean refuse(ProtocolError error, Limit counted) {
    refusal = error;
    limit = counted;
    return false;
  }

  /** Takes a token of the activity rate limit; true when there is none (the limit is crossed). */
  private boolean overRate(long now) {
    if (rate <= 0) {
      return false;
    }
    if (tokens < 0) {
      tokens = rate;
    } else {
      tokens = Math.min(rate, tokens + (now - tokensAt) * rate / 1e9);
    }
    tokensAt = now;
    if (tokens < 1) {
      return true;
    }
    tokens--;
    return false;
  }

  /** Why the last activity was refused, or null (accepted, or a resend). */
  ProtocolError refusal() {
    return refusal;
  }

  /** The limit the last refusal is counted under, or null. */
  Limit limit() {
    return limit;
  }

  JsonObject activity() {
    return activity;
  }

  long clientSeq() {
    return clientSeq;
  }

  long lastClientSeq() {
    return lastClientSeq;
  }
}
