package io.activitystreamer.bus;

/** Every event-bus address of the server. Requests are verbs, facts are past events. */
public final class Addresses {
  private Addresses() {}

  // requests to StateVerticle
  public static final String STATE_REGISTER = "streamer.state.register";
  public static final String STATE_LOOKUP_USER = "streamer.state.lookup-user";
  public static final String STATE_LOGIN = "streamer.state.login";
  /**
   * {connection}: that connection closed while its LOGIN waited (login sync): the LOGIN is dropped, so
   * it cannot take the session from the user's next connection.
   */
  public static final String STATE_LOGIN_CANCEL = "streamer.state.login-cancel";
  public static final String STATE_ACTIVITY = "streamer.state.activity";
  /** {session, anonymous, since, exact, frozen}: a connection let go of its session (see StateCore.detach). */
  public static final String STATE_DETACH = "streamer.state.detach";
  /** Request {session}: a redirect begins; answered once what the session was written is published. */
  public static final String STATE_FREEZE = "streamer.state.freeze";
  public static final String STATE_LOGOUT = "streamer.state.logout";
  public static final String STATE_MESH_INFO = "streamer.state.mesh-info";
  /** Sent by AppVerticle once the gateway listens: {port}; answered when this server has joined. */
  public static final String STATE_START_MESH = "streamer.state.start-mesh";
  // facts published by StateVerticle
  /** A {@link DeliveryBatch}: the activities every gateway instance writes to its logged-in connections. */
  public static final String GATEWAY_DELIVER = "streamer.gateway.deliver";
  /** A session now attached elsewhere: the gateway holding it closes that connection. */
  public static final String GATEWAY_KICK = "streamer.gateway.kick";
  /** Request to one gateway instance: redirect {count} clients to {hostname, port}; replies {moved}. */
  public static final String GATEWAY_REBALANCE = "streamer.gateway.rebalance";
  /** Members and their loads, published by the mesh core on every change. */
  public static final String MEMBERS_CHANGED = "streamer.balance.members-changed";
  // requests to BalancerVerticle
  public static final String BALANCE_PICK = "streamer.balance.pick";
  /** Publish, member id: another member began redirecting one client there (count it there meanwhile). */
  public static final String BALANCE_IN_TRANSIT = "streamer.balance.in-transit";
  // mesh links (MeshVerticle and PeerLink) <-> mesh core (StateVerticle)
  public static final String MESH_LINK_UP = "streamer.mesh.link-up";
  public static final String MESH_LINK_IN = "streamer.mesh.link-in";
  public static final String MESH_LINK_DOWN = "streamer.mesh.link-down";
  public static final String MESH_CONNECT = "streamer.mesh.connect";
  public static final String MESH_CONNECT_FAILED = "streamer.mesh.connect-failed";
  /**
   * This incarnation was declared dead: {hostname, port, carryOver: {users, events}}; the AppVerticle
   * redeploys as a new one, which hands on the carried users and own events once it has joined.
   */
  public static final String APP_REJOIN = "streamer.app.rejoin";
  /** Prefix of the per-link address a link writes out: {@code streamer.mesh.link.<linkId>}. */
  public static final String MESH_LINK_OUT_PREFIX = "streamer.mesh.link.";

  public static String linkOut(String linkId) {
    return MESH_LINK_OUT_PREFIX + linkId;
  }
}
