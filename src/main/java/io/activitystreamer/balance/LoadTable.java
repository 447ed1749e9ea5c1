package io.activitystreamer.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Loads of the live members as last announced, plus this server's own. Pure; owned by BalancerVerticle.
 */
public final class LoadTable {

  /** One live server: its id, where clients reach it, and its load (connected clients). */
  public record Server(String id, String hostname, int port, int load) {}

  private final List<Server> servers = new ArrayList<>();
  private String self;

  public void replace(String self, List<Server> live) {
    this.self = self;
    servers.clear();
    servers.addAll(live);
    servers.sort(Comparator.comparing(Server::id));
  }

  public List<Server> servers() {
    return servers;
  }

  public Server self() {
    for (Server s : servers) {
      if (s.id().equals(self)) {
        return s;
      }
    }
    return null;
  }
}
