package io.activitystreamer.gateway;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.BusError;
import io.activitystreamer.protocol.Fields;
import io.activitystreamer.state.Secrets;
import io.activitystreamer.state.UserRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The secret work of one connection's REGISTER and LOGIN, before the state's LOGIN: the name's lookup,
 * the hash on the server's bounded hashing pool ({@link GatewayContext#hash}, cancelled once the
 * connection closes) and the mesh-wide registration; each answered by one call into its
 * {@link ClientSession} (see {@link SessionEffects#register} and {@link SessionEffects#checkSecret}).
 */
final class SecretRequests {
  private final GatewayContext gw;
  private final ClientSession session;

  SecretRequests(GatewayContext gw, ClientSession session) {
    this.gw = gw;
    this.session = session;
  }

  /** A taken name is refused before any hashing; a name registered meanwhile elsewhere is refused too. */
  void register(String user, String plain) {
    int iterations = gw.settings().secretHashIterations();
    String salt = Secrets.newSalt();
    gw.vertx().eventBus().<JsonObject>request(Addresses.STATE_LOOKUP_USER, new JsonObject().put(Fields.USERNAME, user))
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.<Void>failedFuture(new Refused(user + " is already registered with the system"));
          }
          return BusError.of(ar.cause()) == BusError.NOT_REGISTERED ? Future.<Void>succeededFuture()
              : Future.<Void>failedFuture(ar.cause());
        })
        .compose(v -> gw.hash(HashPool.Priority.REGISTER, () -> Secrets.hash(plain, salt, iterations), session::closed))
        .compose(hash -> gw.vertx().eventBus().request(Addresses.STATE_REGISTER, new JsonObject()
            .put(Fields.USERNAME, user).put(Fields.SALT, salt).put(Fields.HASH, hash).put(Fields.ITERATIONS, iterations))
            .recover(err -> Future.failedFuture(BusError.of(err) == BusError.ALREADY_REGISTERED
                ? new Refused(user + " is already registered with the system") : err)))
        .onSuccess(ok -> session.onRegistered(System.nanoTime()))
        .onFailure(this::answerFailure);
  }

  /**
   * Checks the secret on the hashing pool. An unknown name is hashed too, against a dummy record of the
   * same cost, so that it is answered in the same time as a wrong secret.
   */
  void checkSecret(String user, String plain) {
    gw.vertx().eventBus().<JsonObject>request(Addresses.STATE_LOOKUP_USER, new JsonObject().put(Fields.USERNAME, user))
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.succeededFuture(ar.result().body());
          }
          return BusError.of(ar.cause()) == BusError.NOT_REGISTERED ? Future.succeededFuture((JsonObject) null)
              : Future.failedFuture(ar.cause());
        })
        .compose(record -> gw.hash(HashPool.Priority.LOGIN, () -> {
          if (record == null) {
            Secrets.verify(plain, dummyUser(gw.settings().secretHashIterations()));
            return user + " is not registered";
          }
          if (Secrets.verify(plain, UserRecord.fromJson(record))) {
            return null;
          }
          JsonObject lost = record.getJsonObject(Fields.LOST);
          if (lost != null && Secrets.verify(plain, UserRecord.fromJson(lost))) {
            return user + " was registered twice during a network partition; the earlier registration won"
                + " and this one was removed: register another name";
          }
          return "attempt to login with wrong secret";
        }, session::closed))
        .onSuccess(refusal -> {
          if (refusal == null) {
            session.onSecretChecked();
          } else {
            session.onRefused(refusal);
          }
        })
        .onFailure(this::answerFailure);
  }

  private void answerFailure(Throwable err) {
    if (err instanceof Refused refused) {
      session.onRefused(refused.getMessage());
    } else if (err instanceof HashPool.Busy busy) {
      session.onHashBusy(busy.getMessage());
    } else if (!(err instanceof HashPool.Cancelled)) {
      session.onFailed(err);
    }
  }

  private static volatile UserRecord dummy;

  /** A record no secret matches, hashed like a real one (for unknown names). */
  private static UserRecord dummyUser(int iterations) {
    UserRecord d = dummy;
    if (d == null || d.iterations() != iterations) {
      d = new UserRecord("", Secrets.newSalt(), Secrets.newSalt(), iterations, 0, "");
      dummy = d;
    }
    return d;
  }

  /** An expected "no" to a LOGIN or REGISTER, turned into LOGIN_FAILED / REGISTER_FAILED with this message. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }
}
