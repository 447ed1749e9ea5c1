package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lock protocol of one server, with a recording fake for its effects. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RegistrarTest {

  private static final class Fx implements Registrar.Effects {
    final List<String> sent = new ArrayList<>();
    final Set<String> users = new HashSet<>();

    @Override
    public void sendAllowed(String to, Registrar.Req r) {
      sent.add("ALLOWED " + to + " " + r.requester() + "@" + r.ts());
    }

    @Override
    public void sendDenied(String to, Registrar.Req r) {
      sent.add("DENIED " + to + " " + r.requester() + "@" + r.ts());
    }

    @Override
    public void broadcastRequest(Set<String> to, Registrar.Req r) {
      to.stream().sorted().forEach(t -> sent.add("REQUEST " + t + " " + r.requester() + "@" + r.ts()));
    }

    @Override
    public void broadcastRelease(Registrar.Req r) {
      sent.add("RELEASE " + r.requester() + "@" + r.ts());
    }

    boolean commit(Registrar.Req r) {
      return users.add(r.username());
    }

    @Override
    public boolean registered(String username) {
      return users.contains(username);
    }

    @Override
    public Set<String> liveMembers() {
      return Set.of("a", "c");
    }

    List<String> take() {
      List<String> out = new ArrayList<>(sent);
      sent.clear();
      return out;
    }
  }

  private final Fx fx = new Fx();
  private final Registrar reg = new Registrar("b", fx);

  private static Registrar.Req req(String requester, long ts) {
    return new Registrar.Req("ann", ts, requester);
  }

  @Test
  void succeedsOnceEveryMemberAllowed() {
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 10, Set.of("a", "c"), fx::commit, done::set);
    assertEquals(List.of("REQUEST a b@10", "REQUEST c b@10"), fx.take());
    reg.onAllowed("a", req("b", 10));
    assertNull(done.get());
    reg.onAllowed("c", req("b", 10));
    assertEquals(Boolean.TRUE, done.get());
    assertEquals(0, reg.locksHeld());
  }

  @Test
  void earlierRequestIsDeferredThenAllowedWhenOursFails() {
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 10, Set.of("a", "c"), fx::commit, done::set);
    fx.take();
    reg.onRequest("a", req("a", 5));
    assertEquals(List.of(), fx.take(), "a's request has priority: deferred while b's round runs");
    reg.onDenied("a", req("b", 10));
    assertEquals(Boolean.FALSE, done.get());
    assertEquals(List.of("RELEASE b@10", "ALLOWED a a@5"), fx.take());
  }

  @Test
  void laterRequestIsDenied() {
    reg.register("ann", 10, Set.of("a"), fx::commit, r -> { });
    fx.take();
    reg.onRequest("a", req("a", 12));
    assertEquals(List.of("DENIED a a@12"), fx.take());
  }

  @Test
  void tiesOnTimeGoToTheSmallerId() {
    reg.register("ann", 10, Set.of("a"), fx::commit, r -> { });
    fx.take();
    reg.onRequest("a", req("a", 10));
    assertEquals(List.of(), fx.take(), "a@10 precedes b@10: deferred, not denied");
    reg.onRequest("c", req("c", 10));
    assertEquals(List.of("DENIED c c@10"), fx.take());
  }

  @Test
  void deadRequestersLockIsReleased() {
    reg.onRequest("a", req("a", 5));
    assertEquals(List.of("ALLOWED a a@5"), fx.take());
    reg.onRequest("c", req("c", 9));
    assertEquals(List.of("DENIED c c@9"), fx.take());
    reg.onMemberLost("a", true);
    assertEquals(0, reg.locksHeld());
    reg.onRequest("c", req("c", 11));
    assertEquals(List.of("ALLOWED c c@11"), fx.take());
  }

  @Test
  void deferredRequestIsAllowedWhenTheHeldOneIsReleased() {
    reg.onRequest("c", req("c", 9));
    reg.onRequest("a", req("a", 5));
    assertEquals(List.of("ALLOWED c c@9"), fx.take());
    reg.onRelease(req("c", 9));
    assertEquals(List.of("ALLOWED a a@5"), fx.take());
  }

  @Test
  void deferredRequestThatWasReleasedMeanwhileLeavesNoLockBehind() {
    reg.onRequest("c", req("c", 9));
    reg.onRequest("a", req("a", 5));
    fx.take();
    reg.onRelease(req("a", 5)); // a's round failed elsewhere while it waited here
    reg.onRelease(req("c", 9));
    assertEquals(List.of(), fx.take());
    assertEquals(0, reg.locksHeld(), "a stale lock for a@5 would refuse the name forever");
    reg.onRequest("d", req("d", 50));
    assertEquals(List.of("ALLOWED d d@50"), fx.take());
  }

  @Test
  void roundDoesNotSucceedWithoutAMemberWhoseLinkMerelyBroke() {
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 10, Set.of("a"), fx::commit, done::set);
    fx.take();
    reg.onMemberLost("a", false);
    assertNull(done.get(), "a flap is not consent: a may be granting a competing request");
    reg.onMemberLinked("a");
    assertEquals(List.of("REQUEST a b@10"), fx.take(), "the request is sent again on the new link");
    reg.onAllowed("a", req("b", 10));
    assertEquals(Boolean.TRUE, done.get());
  }

  @Test
  void roundSucceedsWithoutAMemberDeclaredDead() {
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 10, Set.of("a", "c"), fx::commit, done::set);
    reg.onAllowed("c", req("b", 10));
    reg.onMemberLost("a", true);
    assertEquals(Boolean.TRUE, done.get());
  }

  @Test
  void locksOfARequesterWhoseLinkBrokeAreDroppedItAsksAgainOnTheNewLink() {
    reg.onRequest("a", req("a", 5));
    fx.take();
    reg.onMemberLost("a", false); // its LOCK_RELEASE may have been lost with the link
    assertEquals(0, reg.locksHeld());
    reg.onRequest("c", req("c", 20));
    assertEquals(List.of("ALLOWED c c@20"), fx.take());
  }

  @Test
  void registeredNameIsDeniedAndWaitingRequestsAreDenied() {
    reg.onRequest("c", req("c", 9));
    reg.onRequest("a", req("a", 5));
    fx.take();
    fx.users.add("ann");
    reg.onRegistered("ann");
    assertEquals(List.of("DENIED a a@5"), fx.take());
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 30, Set.of("a"), fx::commit, done::set);
    assertEquals(Boolean.FALSE, done.get());
  }

  @Test
  void localRegisterWaitsForTheLockHeldForAnotherRequest() {
    reg.onRequest("c", req("c", 9));
    fx.take();
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 12, Set.of("a", "c"), fx::commit, done::set);
    assertNull(done.get(), "c's round may still fail");
    assertEquals(List.of(), fx.take());
    reg.onRelease(req("c", 9));
    assertEquals(List.of("REQUEST a b@12", "REQUEST c b@12"), fx.take());
    reg.onAllowed("a", new Registrar.Req("ann", 12, "b"));
    reg.onAllowed("c", new Registrar.Req("ann", 12, "b"));
    assertEquals(Boolean.TRUE, done.get());
  }

  @Test
  void localRegisterWaitingForALockFailsWhenTheNameIsTaken() {
    reg.onRequest("c", req("c", 9));
    AtomicReference<Boolean> done = new AtomicReference<>();
    reg.register("ann", 12, Set.of("a", "c"), fx::commit, done::set);
    fx.users.add("ann");
    reg.onRegistered("ann");
    assertEquals(Boolean.FALSE, done.get());
  }

  /**
   * A lock granted to a requester heard only through a relay is a lease: when its LOCK_RELEASE is lost,
   * the lock lapses once no request renewed it for the lease time, and a later request gets the name.
   */
  @Test
  void relayedRequestersLockLapsesWithoutRenewal() {
    reg.tick(0, m -> m.equals("a"), 1000);
    reg.onRequest("a", req("a", 5));
    assertEquals(List.of("ALLOWED a a@5"), fx.take());
    reg.onRequest("c", req("c", 9));
    assertEquals(List.of("DENIED c c@9"), fx.take(), "a's lock has priority while it holds");
    reg.tick(600, m -> m.equals("a"), 1000);
    reg.onRequest("a", req("a", 5)); // renewed by the relayed round asking again
    reg.tick(1500, m -> m.equals("a"), 1000);
    assertEquals(1, reg.locksHeld(), "renewed at 600: still held at 1500");
    fx.take();
    reg.tick(1700, m -> m.equals("a"), 1000);
    assertEquals(0, reg.locksHeld(), "not renewed for more than the lease: dropped");
    reg.onRequest("c", req("c", 9));
    assertEquals(List.of("ALLOWED c c@9"), fx.take());
  }

  @Test
  void directlyLinkedRequestersLockIsNoLease() {
    reg.tick(0, m -> false, 1000);
    reg.onRequest("a", req("a", 5));
    reg.tick(5000, m -> false, 1000);
    assertEquals(1, reg.locksHeld(), "a link-down or LOCK_RELEASE clears it, not time");
  }
}
