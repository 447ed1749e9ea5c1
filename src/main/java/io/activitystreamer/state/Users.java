package io.activitystreamer.state;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The registered users of the mesh, and the registrations that lost: one name registered on both sides
 * of a partition is resolved the same way on every server once they meet (the earliest registration
 * wins, {@link UserRecord#precedes}); the loser is kept so its owner can still be told apart. Plain and
 * single-threaded; owned by {@link StateCore}, on the state loop.
 */
final class Users {
  private final Map<String, UserRecord> registered = new HashMap<>();
  private final Map<String, UserRecord> lost = new HashMap<>();

  UserRecord get(String username) {
    return registered.get(username);
  }

  boolean contains(String username) {
    return registered.containsKey(username);
  }

  int size() {
    return registered.size();
  }

  /** The registered users (not the lost registrations). */
  Collection<UserRecord> all() {
    return registered.values();
  }

  UserRecord lost(String username) {
    return lost.get(username);
  }

  /** A USER_REGISTERED applied, or a user of a join snapshot installed. */
  void onRegistered(UserRecord u) {
    UserRecord existing = registered.get(u.username());
    if (existing == null || existing.equals(u)) {
      registered.put(u.username(), u);
      return;
    }
    // one name registered on both sides of a partition: the earliest registration wins everywhere
    UserRecord winner = u.precedes(existing) ? u : existing;
    UserRecord loser = winner == u ? existing : u;
    registered.put(u.username(), winner);
    lost.put(u.username(), loser);
  }

  /** Of {@code known}, those not registered here as they are (missing, or registered differently). */
  List<UserRecord> differing(List<UserRecord> known) {
    List<UserRecord> out = new ArrayList<>();
    for (UserRecord u : known) {
      if (!u.equals(registered.get(u.username()))) {
        out.add(u);
      }
    }
    return out;
  }

  /** Before a join snapshot is installed: the registered users go (the lost registrations stay). */
  void clearRegistered() {
    registered.clear();
  }
}
