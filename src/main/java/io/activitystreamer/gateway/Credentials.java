package io.activitystreamer.gateway;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.Usernames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The fields of the REGISTER or LOGIN a {@link ClientSession} answers, then of its logged-in user, read
 * once from the decoded line: the name (normalised, {@link Usernames}), the secret, anonymous or not,
 * and the resume extension's request; and what the login's answer is made of (LOGIN_SUCCESS with the
 * resume fields, the {@link ActivityCheck} of its activities). Pure and immutable; no toString (a
 * secret is never echoed).
 */
final class Credentials {
  final String user;
  final String secret;
  final boolean anonymous;
  /** The LOGIN's resume request (resume extension), or null: a classic client. */
  final JsonObject resume;

  private Credentials(String user, String secret, boolean anonymous, JsonObject resume) {
    this.user = user;
    this.secret = secret;
    this.anonymous = anonymous;
    this.resume = resume;
  }

  /** A REGISTER's name (its secret goes to the hashing as it came, never kept). */
  static Credentials register(Decoded d) {
    return new Credentials(Usernames.normalise(d.string(Fields.USERNAME)), null, false, null);
  }

  static Credentials login(Decoded d) {
    String user = Usernames.normalise(d.string(Fields.USERNAME));
    return new Credentials(user, d.string(Fields.SECRET), Fields.ANONYMOUS.equals(user),
        MessageCodec.resumeRequest(d.body()));
  }

  /** The REGISTER of the reserved name {@code anonymous} (refused as taken). */
  boolean reserved() {
    return Fields.ANONYMOUS.equals(user);
  }

  /** The client speaks the resume extension: LOGIN_SUCCESS carries the session, deliveries the seq. */
  boolean resumeClient() {
    return resume != null;
  }

  /** What this login's activities must pass, from {@code lastSeq} (the session's last accepted client seq) on. */
  ActivityCheck check(long lastSeq, int rate) {
    return new ActivityCheck(user, secret, anonymous, lastSeq, rate);
  }

  /** LOGIN_SUCCESS; for a resume client with its session, lastSeq, dropped and members (TLS ones for a TLS client). */
  Buffer loginSuccess(LoginResult result, boolean tls) {
    JsonObject fields = new JsonObject().put(Fields.INFO, "logged in as user " + user);
    if (resumeClient()) {
      fields.put(Fields.SESSION, result.sessionId()).put(Fields.LAST_SEQ, result.lastSeq())
          .put(Fields.DROPPED, result.dropped()).put(Fields.MEMBERS, tls ? result.tlsMembers() : result.members());
    }
    return MessageCodec.encode(Command.LOGIN_SUCCESS, fields);
  }
}
