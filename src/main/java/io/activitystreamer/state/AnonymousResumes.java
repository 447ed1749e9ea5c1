package io.activitystreamer.state;

import java.util.HashMap;
import java.util.Map;

/**
 * The anonymous resume clients logged in on this server. Their sessions are not replicated (an
 * anonymous session ends with its connection); this keeps what a server-initiated REDIRECT needs to
 * turn one into a moving session of the mesh ({@link StateCore#park}): the applied vector at its LOGIN
 * and the highest client seq accepted, and, once a move began, the moving session's id. Pure; created
 * by ServerCore on the state loop and shared by its {@link Logins} (which fill it) and
 * {@link Redirects} (which read and end it).
 */
final class AnonymousResumes {
  /** One connection's anonymous session. */
  static final class Client {
    final Vector start;
    long lastSeq;
    /** The moving session a REDIRECT began (its activities and detach go there), or null. */
    String moving;

    Client(Vector start, long lastSeq) {
      this.start = start;
      this.lastSeq = lastSeq;
    }
  }

  private final Map<String, Client> bySession = new HashMap<>();

  void loggedIn(String session, Vector start, long lastSeq) {
    bySession.put(session, new Client(start, lastSeq));
  }

  Client get(String session) {
    return bySession.get(session);
  }

  Client remove(String session) {
    return bySession.remove(session);
  }
}
