package io.activitystreamer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.activitystreamer.bus.LoginResult;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.gateway.ClientSession.Timer;
import io.activitystreamer.http.GatewayMetrics.Limit;
import io.activitystreamer.http.GatewayMetrics.Outcome;
import io.activitystreamer.http.GatewayMetrics.ProtocolErrorKind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client protocol's state machine on its own: no Vert.x, no sockets, no clock. Each test drives a
 * {@link ClientSession} through its methods and checks the effects it asked for, in order.
 */
class ClientSessionTest {
  private static final long SECOND = 1_000_000_000L;
  private static final JsonObject TARGET = new JsonObject().put("hostname", "other").put("port", 4000).put("tlsPort", 4443);

  /** Records every effect as one line of text; the three reads answer what the test set. */
  static final class Recorder implements SessionEffects {
    final List<String> log = new ArrayList<>();
    boolean queueFull;
    long delay;
    String storeFailure;

    /** The effects since the last call. */
    List<String> take() {
      List<String> out = new ArrayList<>(log);
      log.clear();
      return out;
    }

    @Override public void write(Buffer line) {
      String text = line.toString().trim();
      JsonObject j = new JsonObject(text);
      log.add(j.containsKey("info") && j.size() == 2 ? "write " + j.getString("command") + ": " + j.getString("info")
          : "write " + text);
    }
    @Override public void wroteThrough(Map<String, Long> positions, long nowNanos) { }
    @Override public void pauseReading() { log.add("pause"); }
    @Override public void resumeReading() { log.add("resume"); }
    @Override public void close() { log.add("close"); }
    @Override public void abort() { log.add("abort"); }
    @Override public boolean writeQueueFull() { return queueFull; }
    @Override public void awaitDrain() { log.add("await drain"); }
    @Override public void register(String user, String plain) { log.add("register " + user + " " + plain); }
    @Override public void checkSecret(String user, String plain) { log.add("check " + user + " " + plain); }
    @Override public void login(String user, boolean anonymous, JsonObject resume) {
      log.add("login " + user + (anonymous ? " anonymous" : "") + (resume == null ? "" : " resume " + resume.encode()));
    }
    @Override public void cancelLogin() { log.add("cancel login"); }
    @Override public void freeze(String session, JsonObject target) { log.add("freeze " + session + " " + target.getString("hostname")); }
    @Override public void logout(String session) { log.add("logout " + session); }
    @Override public void detach(String session, boolean anonymous, boolean exact, boolean frozen) {
      log.add("detach " + session + (anonymous ? " anonymous" : "") + (exact ? " exact" : "") + (frozen ? " frozen" : ""));
    }
    @Override public void activity(String session, JsonObject activity, long clientSeq, long acceptedNanos) {
      log.add("activity " + session + " " + activity.encode() + (clientSeq > 0 ? " seq " + clientSeq : ""));
    }
    @Override public void startTimer(Timer timer, long millis) { log.add("timer " + timer + " " + millis); }
    @Override public void cancelTimer(Timer timer) { log.add("cancel " + timer); }
    @Override public void subscribe(String session) { log.add("subscribe " + session); }
    @Override public void unsubscribe() { log.add("unsubscribe"); }
    @Override public void pickTarget() { log.add("pick"); }
    @Override public long failed(String user) { log.add("failed " + user); return delay; }
    @Override public void succeeded(String user) { log.add("succeeded " + user); }
    @Override public String storeFailure() { return storeFailure; }
    @Override public void limited(Limit limit) { log.add("limited " + limit); }
    @Override public void protocolError(ProtocolErrorKind kind) { log.add("error " + kind); }
    @Override public void registerOutcome(Outcome outcome) { log.add("register " + outcome); }
    @Override public void loginOutcome(Outcome outcome) { log.add("login " + outcome); }
    @Override public void redirected() { log.add("redirected"); }
  }

  private final Recorder out = new Recorder();
  private ClientSession session = session(new JsonObject(), false);

  private ClientSession session(JsonObject config, boolean tls) {
    return new ClientSession(ServerConfig.fromJson(config), "srv", "c1", tls, out);
  }

  private static String login(String user, String secret) {
    JsonObject j = new JsonObject().put("command", "LOGIN").put("username", user);
    return (secret == null ? j : j.put("secret", secret)).encode();
  }

  private static String activity(int n) {
    return activity("alice", "pw", n);
  }

  private static String activity(String user, String secret, int n) {
    return new JsonObject().put("command", "ACTIVITY_MESSAGE").put("username", user).put("secret", secret)
        .put("activity", new JsonObject().put("n", n)).encode();
  }

  private static final String LOGOUT = "{\"command\":\"LOGOUT\"}";

  private static LoginResult result(String session, boolean placed, Buffer... backlog) {
    return new LoginResult(session, false, List.of(backlog), 0, 0, List.of("h:1"), placed, List.of("h:2"));
  }

  /** alice logged in on session s1 (the balancer's pick asked), effects taken. */
  private void loggedIn() {
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    session.onLoginReply(result("s1", false), 0);
    assertEquals(SessionState.LOGGED_IN, session.state());
    out.take();
  }

  private List<String> closing(String... before) {
    List<String> l = new ArrayList<>(List.of(before));
    l.add("close");
    l.add("timer CLOSE_GRACE " + ClientSession.CLOSE_GRACE_MILLIS);
    return l;
  }

  // ---- connecting and logging in ----

  @Test
  void admittedConnectionHasTheLoginDeadline() {
    session.onAdmitted();
    assertEquals(List.of("timer LOGIN_DEADLINE 30000"), out.take());
    session.onTimer(Timer.LOGIN_DEADLINE);
    assertEquals(closing("limited LOGIN_TIMEOUT",
        "write INVALID_MESSAGE: no LOGIN within 30000 ms of connecting (loginTimeoutMillis)"), out.take());
    assertEquals(SessionState.CLOSING, session.state());
  }

  @Test
  void loginDeadlineWaitsForTheAnswerOfALoginBeingAnswered() {
    session.onLine(login("alice", "pw"), 0);
    out.take();
    session.onTimer(Timer.LOGIN_DEADLINE);
    assertEquals(List.of("timer LOGIN_DEADLINE 1000"), out.take(), "VERIFYING: look again shortly");
    session.onSecretChecked();
    out.take();
    session.onTimer(Timer.LOGIN_DEADLINE);
    assertEquals(List.of("timer LOGIN_DEADLINE 1000"), out.take(), "LOGGING_IN: look again shortly");
    session.onLoginReply(result("s1", true), 0);
    out.take();
    session.onTimer(Timer.LOGIN_DEADLINE);
    assertEquals(List.of(), out.take(), "logged in: the deadline is moot");
  }

  @Test
  void refusedAdmissionAnswersAndCloses() {
    session.onRefusedAdmission("too many connections (maxConnections)");
    assertEquals(closing("write INVALID_MESSAGE: too many connections (maxConnections)"), out.take());
  }

  @Test
  void loginChecksTheSecretThenAsksTheStateThenWritesSuccessBacklogAndSubscribes() {
    session.onLine(login("alice", "pw"), 0);
    assertEquals(SessionState.VERIFYING, session.state());
    assertEquals(List.of("pause", "check alice pw"), out.take());
    session.onSecretChecked();
    assertEquals(SessionState.LOGGING_IN, session.state());
    assertEquals(List.of("login alice"), out.take());
    session.onLoginReply(result("s1", false, Buffer.buffer("{\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{}}\n")), 0);
    assertEquals(SessionState.LOGGED_IN, session.state());
    assertEquals(List.of("succeeded alice", "cancel LOGIN_DEADLINE", "login SUCCESS",
        "write LOGIN_SUCCESS: logged in as user alice", "write {\"command\":\"ACTIVITY_BROADCAST\",\"activity\":{}}",
        "subscribe s1", "pick", "resume"), out.take());
  }

  @Test
  void aSessionPlacedHereByARedirectIsNotMovedAgain() {
    session.onLine(login("anonymous", null), 0);
    assertEquals(SessionState.LOGGING_IN, session.state());
    assertEquals(List.of("pause", "login anonymous anonymous"), out.take(), "no secret to check");
    session.onLoginReply(result("s1", true), 0);
    assertEquals(List.of("cancel LOGIN_DEADLINE", "login SUCCESS", "write LOGIN_SUCCESS: logged in as user anonymous",
        "subscribe s1", "resume"), out.take(), "no throttle reset for anonymous, no balancer pick when placed");
    assertTrue(session.anonymous());
  }

  @Test
  void resumeClientGetsItsSessionAndTheMembersOfItsTransport() {
    session = session(new JsonObject(), true);
    session.onLine(new JsonObject(login("alice", "pw")).put("resume", new JsonObject()).encode(), 0);
    session.onSecretChecked();
    assertEquals(List.of("pause", "check alice pw", "login alice resume {}"), out.take());
    session.onLoginReply(new LoginResult("s1", true, List.of(), 3, 5, List.of("h:1"), true, List.of("h:2")), 0);
    JsonObject success = new JsonObject().put("command", "LOGIN_SUCCESS").put("info", "logged in as user alice")
        .put("session", "s1").put("lastSeq", 5L).put("dropped", 3L).put("members", List.of("h:2"));
    assertTrue(out.take().contains("write " + success.encode()), "TLS client: the TLS members");
    session.deliver(Buffer.buffer("classic\n"), Buffer.buffer("{\"resume\":1}\n"), Map.of(), 0);
    assertEquals(List.of("write {\"resume\":1}"), out.take(), "a resume client gets the resume lines");
    session.onLine(new JsonObject(activity(1)).put("seq", 5).encode(), 0);
    assertEquals(List.of(), out.take(), "a resend at or below lastSeq is dropped and takes no credit");
    session.onLine(new JsonObject(activity(2)).put("seq", 6).encode(), 0);
    assertEquals(List.of("activity s1 {\"n\":2,\"authenticated_user\":\"alice\"} seq 6"), out.take());
  }

  @Test
  void linesQueueWhileLoginIsAnsweredAndAreHandledInOrderAfterIt() {
    session.onLine(login("alice", "pw"), 0);
    session.onLine(activity(1), 0);
    session.onLine(activity(2), 0);
    assertEquals(List.of("pause", "check alice pw"), out.take(), "queued, not handled");
    session.onSecretChecked();
    session.onLoginReply(result("s1", true), 7);
    List<String> after = out.take();
    assertEquals(List.of("resume", "activity s1 {\"n\":1,\"authenticated_user\":\"alice\"}",
        "activity s1 {\"n\":2,\"authenticated_user\":\"alice\"}"), after.subList(after.indexOf("resume"), after.size()));
  }

  @Test
  void refusedLoginIsAnsweredAfterTheThrottlesDelay() {
    out.delay = 200;
    session.onLine(login("alice", "bad"), 0);
    session.onRefused("attempt to login with wrong secret");
    assertEquals(List.of("pause", "check alice bad", "failed alice", "limited FAILURE_DELAYED", "timer REFUSAL 200"),
        out.take());
    session.onLine(activity(1), 0);
    assertEquals(List.of(), out.take(), "still waiting: queued");
    session.onTimer(Timer.REFUSAL);
    assertEquals(closing("login REFUSED", "write LOGIN_FAILED: attempt to login with wrong secret"), out.take());
  }

  @Test
  void refusalWithoutDelayIsAnsweredAtOnceAndNotAfterTheTransportWent() {
    session.onLine(login("alice", "bad"), 0);
    session.onRefused("alice is not registered");
    assertEquals(closing("pause", "check alice bad", "failed alice", "login REFUSED",
        "write LOGIN_FAILED: alice is not registered"), out.take());

    session = session(new JsonObject(), false);
    out.delay = 100;
    session.onLine(login("bob", "bad"), 0);
    session.onTransportGone();
    session.onRefused("attempt to login with wrong secret");
    out.take();
    session.onTimer(Timer.REFUSAL);
    assertEquals(List.of(), out.take(), "gone while waiting: nothing to answer, nothing counted");
  }

  @Test
  void busyHashPoolAndFailuresAnswerAtOnce() {
    session.onLine(login("alice", "pw"), 0);
    out.take();
    session.onHashBusy("server busy: too many secrets to check, try again");
    assertEquals(closing("limited HASH_BUSY", "login REFUSED",
        "write LOGIN_FAILED: server busy: too many secrets to check, try again"), out.take());

    session = session(new JsonObject(), false);
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    out.take();
    session.onFailed(new RuntimeException("timeout"));
    assertEquals(closing("login ERROR", "write LOGIN_FAILED: server unavailable, try again: timeout"), out.take());
    session.onTransportGone();
    assertFalse(out.take().contains("cancel login"), "the failure answered the LOGIN");
  }

  // ---- register ----

  @Test
  void registerAnswersAndStaysConnected() {
    session.onLine("{\"command\":\"REGISTER\",\"username\":\"bob\",\"secret\":\"pw\"}", 0);
    assertEquals(SessionState.REGISTERING, session.state());
    assertEquals(List.of("pause", "register bob pw"), out.take());
    session.onRegistered(0);
    assertEquals(List.of("register SUCCESS", "write REGISTER_SUCCESS: register success for bob", "resume"), out.take());
    assertEquals(SessionState.CONNECTED, session.state());
    session.onLine(login("bob", "pw"), 0);
    assertEquals(List.of("pause", "check bob pw"), out.take());
  }

  @Test
  void registerOfAnonymousOrABadNameIsRefusedAfterTheDelay() {
    session.onLine("{\"command\":\"REGISTER\",\"username\":\"anonymous\",\"secret\":\"pw\"}", 0);
    assertEquals(closing("pause", "failed anonymous", "register REFUSED",
        "write REGISTER_FAILED: anonymous is already registered with the system"), out.take());

    session = session(new JsonObject(), false);
    out.delay = 100;
    session.onLine("{\"command\":\"REGISTER\",\"username\":\"bell\\u0007\",\"secret\":\"pw\"}", 0);
    assertEquals(List.of("pause", "limited USERNAME_REFUSED", "failed null", "limited FAILURE_DELAYED",
        "timer REFUSAL 100"), out.take(), "a bad name is not a throttle key");
    session.onTimer(Timer.REFUSAL);
    List<String> answer = out.take();
    assertEquals("register REFUSED", answer.get(0));
    assertTrue(answer.get(1).startsWith("write REGISTER_FAILED: "), answer.toString());
  }

  @Test
  void registrationCompletedAfterTheConnectionWentIsCountedButNotAnswered() {
    session.onLine("{\"command\":\"REGISTER\",\"username\":\"bob\",\"secret\":\"pw\"}", 0);
    session.onOverflow();
    out.take();
    session.onRegistered(0);
    assertEquals(List.of("register SUCCESS"), out.take());
  }

  // ---- commands in the wrong state: the same answers as on the wire ----

  @Test
  void activityBeforeLoginIsAuthenticationFail() {
    session.onLine(activity(1), 0);
    assertEquals(closing("error AUTHENTICATION_FAIL", "write AUTHENTICATION_FAIL: ACTIVITY_MESSAGE before LOGIN"),
        out.take());
    session.onLine(login("alice", "pw"), 0);
    assertEquals(List.of(), out.take(), "nothing is read after the close");
  }

  @Test
  void loginOrRegisterWhileLoggedInIsInvalid() {
    loggedIn();
    session.onLine(login("bob", "pw"), 0);
    assertEquals(closing("error INVALID_MESSAGE", "write INVALID_MESSAGE: LOGIN while already logged in"), out.take());

    session = session(new JsonObject(), false);
    loggedIn();
    session.onRedirect(TARGET);
    out.take();
    session.onLine("{\"command\":\"REGISTER\",\"username\":\"bob\",\"secret\":\"pw\"}", 0);
    assertEquals(closing("error INVALID_MESSAGE", "write INVALID_MESSAGE: REGISTER while logged in"), out.take(),
        "REDIRECTING is logged in to the client");
  }

  @Test
  void serverCommandsAndBadLinesAreInvalid() {
    session.onLine("{\"command\":\"AUTHENTICATE\",\"secret\":\"x\"}", 0);
    assertEquals(closing("error INVALID_MESSAGE",
        "write INVALID_MESSAGE: AUTHENTICATE must be the first message of a server link"), out.take());
    session = session(new JsonObject(), false);
    loggedIn();
    session.onLine("{\"command\":\"LOGIN_SUCCESS\"}", 0);
    assertEquals(closing("error INVALID_MESSAGE",
        "write INVALID_MESSAGE: command LOGIN_SUCCESS is not accepted from a client"), out.take());
    session = session(new JsonObject(), false);
    session.onLine("not json", 0);
    assertEquals(closing("error INVALID_MESSAGE", "write INVALID_MESSAGE: message is not valid JSON"), out.take());
  }

  @Test
  void activityChecksAgainstTheLogin() {
    String[][] cases = {
        {activity("bob", "pw", 1), "write AUTHENTICATION_FAIL: username does not match the logged-in user"},
        {activity("alice", "wrong", 1), "write AUTHENTICATION_FAIL: secret does not match the logged-in user"},
        {"{\"command\":\"ACTIVITY_MESSAGE\",\"username\":\"alice\",\"secret\":\"pw\"}",
            "write INVALID_MESSAGE: missing field 'activity'"},
        {"{\"command\":\"ACTIVITY_MESSAGE\",\"username\":\"alice\",\"secret\":\"pw\",\"activity\":3}",
            "write INVALID_MESSAGE: field 'activity' must be a JSON object"},
    };
    for (String[] c : cases) {
      session = session(new JsonObject(), false);
      loggedIn();
      session.onLine(c[0], 0);
      assertEquals(c[1], out.take().get(1), c[0]);
      assertEquals(SessionState.CLOSING, session.state());
      session.onTransportGone();
      assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "detach s1"), out.take(),
          "the session stays open, detached");
    }
  }

  @Test
  void storeFailureRefusesTheActivity() {
    loggedIn();
    out.storeFailure = "disk full";
    session.onLine(activity(1), 0);
    assertTrue(out.take().get(1).startsWith("write INVALID_MESSAGE: this server cannot store activities now:"
        + " its data directory cannot be written (disk full)"));
  }

  @Test
  void lineTooLongClosesInEveryOpenState() {
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    out.take();
    session.onOverflow();
    assertEquals(closing("error LINE_TOO_LONG", "write INVALID_MESSAGE: line longer than 65536 bytes"), out.take());
    session.onOverflow();
    assertEquals(List.of(), out.take());
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "cancel login"), out.take(),
        "the LOGIN the state holds is cancelled at the transport's end");
    session.onLoginReply(result("s1", false), 0);
    assertEquals(List.of("succeeded alice", "detach s1"), out.take(), "an answer after that lets the session go");
  }

  // ---- logged in: activities, deliveries, flow control ----

  @Test
  void creditPausesAtTheLimitAndResumesBelowHalf() {
    session = session(new JsonObject().put("maxInFlightPerClient", 4), false);
    loggedIn();
    for (int i = 1; i <= 4; i++) {
      session.onLine(activity(i), 0);
    }
    List<String> sent = out.take();
    assertEquals(5, sent.size());
    assertEquals("pause", sent.get(4));
    session.onCredit(1);
    assertEquals(List.of(), out.take(), "3 in flight: not below half");
    session.onCredit(2);
    assertEquals(List.of("resume"), out.take());
  }

  @Test
  void rateLimitTakesTimeFromNow() {
    session = session(new JsonObject().put("activityRateLimit", 2), false);
    loggedIn();
    session.onLine(activity(1), 0);
    session.onLine(activity(2), SECOND / 10);
    assertEquals(2, out.take().size());
    session = session(new JsonObject().put("activityRateLimit", 2), false);
    loggedIn();
    session.onLine(activity(1), 0);
    session.onLine(activity(2), 0);
    session.onLine(activity(3), SECOND / 4); // half a token back
    List<String> l = out.take();
    assertEquals(List.of("limited ACTIVITY_RATE", "error INVALID_MESSAGE", "write INVALID_MESSAGE: rate limit: more"
        + " than 2 activities per second (activityRateLimit); the activities before this one were accepted"),
        l.subList(2, 5));
    session = session(new JsonObject().put("activityRateLimit", 2), false);
    loggedIn();
    session.onLine(activity(1), 0);
    session.onLine(activity(2), 0);
    session.onLine(activity(3), SECOND / 2); // a whole token back
    assertEquals(3, out.take().size());
  }

  @Test
  void slowConsumerIsClosedAndAbortedAndItsSessionDetached() {
    loggedIn();
    session.deliver(Buffer.buffer("{\"a\":1}\n"), Buffer.buffer("{\"r\":1}\n"), Map.of(), 0);
    assertEquals(List.of("write {\"a\":1}"), out.take());
    out.queueFull = true;
    session.deliver(Buffer.buffer("{\"a\":2}\n"), Buffer.buffer("{\"r\":2}\n"), Map.of(), 0);
    List<String> l = closing("write {\"a\":2}");
    l.add("abort");
    assertEquals(l, out.take());
    session.deliver(Buffer.buffer("{\"a\":3}\n"), Buffer.buffer("{\"r\":3}\n"), Map.of(), 0);
    assertEquals(List.of(), out.take(), "nothing written after the close");
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "detach s1"), out.take());
  }

  /**
   * A resumed session whose backlog filled the write queue is reading what it is owed, not slow: only
   * what is queued behind the backlog counts against clientWriteQueueMaxBytes until the queue drains.
   */
  @Test
  void aBacklogThatFillsTheWriteQueueIsReadBeforeTheSlowConsumerLimitApplies() {
    session = session(new JsonObject().put("clientWriteQueueMaxBytes", 1024), false);
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    out.take();
    out.queueFull = true; // the backlog alone is more than the queue holds
    session.onLoginReply(result("s1", true, Buffer.buffer("{\"b\":1}\n")), 0);
    assertTrue(out.take().contains("await drain"));
    Buffer line = Buffer.buffer("{\"a\":\"" + "x".repeat(90) + "\"}\n"); // 100 bytes
    for (int i = 0; i < 10; i++) {
      session.deliver(line, line, Map.of(), 0);
    }
    assertEquals(10, out.take().size(), "1000 bytes behind the backlog: written, not closed");
    session.deliver(line, line, Map.of(), 0);
    assertTrue(out.take().contains("abort"), "1100 bytes behind a backlog it does not read: too slow");

    out.queueFull = true;
    session = session(new JsonObject().put("clientWriteQueueMaxBytes", 1024), false);
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    session.onLoginReply(result("s1", true, Buffer.buffer("{\"b\":1}\n")), 0);
    session.onDrained();
    out.take();
    session.deliver(line, line, Map.of(), 0);
    assertTrue(out.take().contains("abort"), "drained: the queue's own limit applies again");
  }

  @Test
  void aLoginWhoseBacklogFitsDoesNotWaitForADrain() {
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    session.onLoginReply(result("s1", true, Buffer.buffer("{\"b\":1}\n")), 0);
    assertFalse(out.take().contains("await drain"));
  }

  @Test
  void closeGraceAbortsATransportThatDoesNotEnd() {
    loggedIn();
    session.onLine(LOGOUT, 0);
    out.take();
    session.onTimer(Timer.CLOSE_GRACE);
    assertEquals(List.of("abort"), out.take());
    session.onTransportGone();
    out.take();
    session.onTimer(Timer.CLOSE_GRACE);
    assertEquals(List.of(), out.take(), "gone: nothing to abort");
  }

  @Test
  void kickForgetsTheSessionItIsNotThisConnectionsToDetach() {
    loggedIn();
    session.onKick();
    assertEquals(closing("write INVALID_MESSAGE: session resumed on another connection"), out.take());
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe"), out.take());
  }

  // ---- LOGOUT ----

  @Test
  void logoutBeforeLoginJustCloses() {
    session.onLine(LOGOUT, 0);
    assertEquals(closing(), out.take());
  }

  @Test
  void logoutWithNothingInFlightEndsTheSessionAtOnce() {
    loggedIn();
    session.onLine(activity(1), 0);
    session.onCredit(1);
    out.take();
    session.onLine(LOGOUT, 0);
    assertEquals(closing("logout s1"), out.take());
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe"), out.take(), "logged out: nothing to detach");
  }

  @Test
  void anonymousLogoutDetachesItsSession() {
    session.onLine(login("anonymous", null), 0);
    session.onLoginReply(result("a1", true), 0);
    out.take();
    session.onLine(LOGOUT, 0);
    assertEquals(closing("detach a1 anonymous"), out.take());
  }

  @Test
  void logoutWithOwnActivitiesInFlightWaitsUntilTheyAreDelivered() {
    loggedIn();
    session.onLine(activity(1), 0);
    session.onLine(activity(2), 0);
    out.take();
    session.onLine(LOGOUT, 0);
    assertEquals(SessionState.LOGGING_OUT, session.state());
    assertEquals(List.of("pause", "timer LOGOUT_GRACE 5000"), out.take());
    session.onLine(activity(3), 0);
    assertEquals(List.of(), out.take(), "lines after LOGOUT wait (and are dropped with the close)");
    session.deliver(Buffer.buffer("{\"n\":1}\n"), Buffer.buffer("{}\n"), Map.of(), 0);
    session.onCredit(1);
    assertEquals(List.of("write {\"n\":1}"), out.take(), "its own activity is still written to it");
    session.deliver(Buffer.buffer("{\"n\":2}\n"), Buffer.buffer("{}\n"), Map.of(), 0);
    session.onCredit(1);
    assertEquals(closing("write {\"n\":2}", "logout s1"), out.take(), "the last one written: the session ends");
    session.onTimer(Timer.LOGOUT_GRACE);
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe"), out.take());
  }

  @Test
  void logoutGraceEndsTheSessionIfTheEchoDoesNotCome() {
    loggedIn();
    session.onLine(activity(1), 0);
    session.onLine(LOGOUT, 0);
    out.take();
    session.onTimer(Timer.LOGOUT_GRACE);
    assertEquals(closing("logout s1"), out.take());
    session.onCredit(1);
    assertEquals(List.of(), out.take());
  }

  // ---- REDIRECT ----

  @Test
  void redirectFreezesThenWritesRedirectClosesAndDetachesExactly() {
    loggedIn();
    assertTrue(session.onRedirect(TARGET));
    assertEquals(SessionState.REDIRECTING, session.state());
    assertEquals(List.of("freeze s1 other"), out.take());
    assertFalse(session.onRedirect(TARGET), "already leaving");
    session.deliver(Buffer.buffer("{\"n\":1}\n"), Buffer.buffer("{}\n"), Map.of(), 0);
    session.onLine(activity(2), 0);
    assertEquals(List.of("write {\"n\":1}", "activity s1 {\"n\":2,\"authenticated_user\":\"alice\"}"), out.take(),
        "until the freeze is answered: written and accepted");
    session.onFrozen(null);
    assertEquals(SessionState.REDIRECTED, session.state());
    assertEquals(closing("unsubscribe", "write {\"command\":\"REDIRECT\",\"hostname\":\"other\",\"port\":4000}",
        "redirected"), out.take());
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "detach s1 exact frozen"), out.take());
  }

  @Test
  void theFreezesResumeTokenGoesIntoTheRedirect() {
    loggedIn();
    session.onRedirect(TARGET);
    out.take();
    session.onFrozen(new JsonObject().put("token", "t0k").put("expiresInMillis", 30000));
    assertTrue(out.take().contains("write {\"command\":\"REDIRECT\",\"hostname\":\"other\",\"port\":4000,"
        + "\"resume\":{\"token\":\"t0k\",\"expiresInMillis\":30000}}"));
  }

  @Test
  void transportGoneWhileRedirectingDetachesFrozenButNotExact() {
    loggedIn();
    session.onRedirect(TARGET);
    out.take();
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "detach s1 frozen"), out.take());
    session.onFrozen(null);
    assertEquals(List.of("unsubscribe"), out.take(), "nothing written to a gone transport");
  }

  @Test
  void tlsClientGoesToTheTargetsTlsPortOrStays() {
    session = session(new JsonObject(), true);
    loggedIn();
    assertFalse(session.onRedirect(new JsonObject().put("hostname", "other").put("port", 4000)));
    assertEquals(SessionState.LOGGED_IN, session.state());
    assertTrue(session.onRedirect(TARGET));
    session.onFrozen(null);
    assertTrue(out.take().contains("write {\"command\":\"REDIRECT\",\"hostname\":\"other\",\"port\":4443}"));
  }

  @Test
  void redirectWhileLoggingInIsRefused() {
    assertFalse(session.onRedirect(TARGET), "CONNECTED");
    session.onLine(login("alice", "pw"), 0);
    assertFalse(session.onRedirect(TARGET), "VERIFYING");
    session.onSecretChecked();
    assertFalse(session.onRedirect(TARGET), "LOGGING_IN");
    assertEquals(List.of("pause", "check alice pw", "login alice"), out.take());
  }

  @Test
  void redirectWhileLoggingOutIsRefusedAndTheLogoutCompletes() {
    loggedIn();
    session.onLine(activity(1), 0);
    session.onLine(LOGOUT, 0);
    out.take();
    assertFalse(session.onRedirect(TARGET), "the client asked to leave: it is not moved");
    assertEquals(List.of(), out.take());
    session.onCredit(1);
    assertEquals(closing("logout s1"), out.take());
  }

  @Test
  void logoutWhileRedirectingWithNothingInFlightEndsTheSession() {
    loggedIn();
    session.onRedirect(TARGET);
    out.take();
    session.onLine(LOGOUT, 0);
    assertEquals(closing("logout s1"), out.take());
    session.onFrozen(null);
    assertEquals(List.of("unsubscribe"), out.take(), "no REDIRECT after the logout");
  }

  @Test
  void logoutWhileRedirectingWithActivitiesInFlightEndsWithWhicheverAnswerComesFirst() {
    loggedIn();
    session.onLine(activity(1), 0);
    session.onRedirect(TARGET);
    session.onLine(LOGOUT, 0);
    assertEquals(SessionState.LOGGING_OUT, session.state());
    out.take();
    session.onFrozen(null);
    assertEquals(closing("unsubscribe", "write {\"command\":\"REDIRECT\",\"hostname\":\"other\",\"port\":4000}",
        "redirected"), out.take(), "the freeze first: the move is done, the client goes");
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "detach s1 exact frozen"), out.take());

    session = session(new JsonObject(), false);
    loggedIn();
    session.onLine(activity(1), 0);
    session.onRedirect(TARGET);
    session.onLine(LOGOUT, 0);
    out.take();
    session.onCredit(1);
    assertEquals(closing("logout s1"), out.take(), "the echo first: the session ends");
    session.onFrozen(null);
    assertEquals(List.of("unsubscribe"), out.take());
  }

  // ---- the transport's end ----

  @Test
  void transportGoneWhileLoggingInCancelsTheLoginAndLetsALateSessionGo() {
    session.onLine(login("alice", "pw"), 0);
    session.onSecretChecked();
    out.take();
    session.onTransportGone();
    assertEquals(SessionState.CLOSED, session.state());
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "cancel login"), out.take());
    session.onLoginReply(result("s1", false), 0);
    assertEquals(List.of("succeeded alice", "detach s1"), out.take(), "nothing written, the session let go");
    session.onTransportGone();
    assertEquals(List.of(), out.take(), "once");
  }

  @Test
  void transportGoneWhileTheSecretIsCheckedAsksTheStateNothing() {
    session.onLine(login("alice", "pw"), 0);
    out.take();
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe"), out.take(), "no LOGIN is with the state");
    assertTrue(session.closed(), "the hash is cancelled");
    session.onSecretChecked();
    assertEquals(List.of(), out.take(), "no LOGIN after the end");
  }

  @Test
  void transportGoneWhileLoggedInDetachesForTheRedeliveryWindow() {
    loggedIn();
    session.onTransportGone();
    assertEquals(List.of("cancel LOGIN_DEADLINE", "unsubscribe", "detach s1"), out.take());
    session.onLine(activity(1), 0);
    session.deliver(Buffer.buffer("{}\n"), Buffer.buffer("{}\n"), Map.of(), 0);
    session.onCredit(1);
    session.onKick();
    assertEquals(List.of(), out.take());
  }
}
