package io.activitystreamer.mesh;

import io.activitystreamer.bus.Addresses;
import io.activitystreamer.bus.Line;
import io.activitystreamer.bus.PeerIn;
import io.activitystreamer.config.ServerConfig;
import io.activitystreamer.protocol.Command;
import io.activitystreamer.protocol.Decoded;
import io.activitystreamer.protocol.MessageCodec;
import io.activitystreamer.protocol.ProtocolError;
import io.activitystreamer.state.Secrets;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated server-to-server socket. Decodes lines and hands them to the mesh core
 * ({@link Addresses#MESH_LINK_IN}); writes what the core sends to {@code streamer.mesh.link.<id>}.
 * Runs on the event loop of the verticle that opened or accepted the socket.
 */
public final class PeerLink {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
  private static final AtomicLong IDS = new AtomicLong();
  /** Longest line on a server link (snapshots are single lines). */
  public static final int MAX_LINE_BYTES = 512 * 1024 * 1024;
  private static final int PEER_WRITE_QUEUE_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final NetSocket socket;
  private final String serverId;
  private final boolean outbound;
  final String linkId = "L" + IDS.incrementAndGet();
  private MessageConsumer<Line> consumer;
  private boolean up;
  private boolean closed;
  private String dialledHost;
  private int dialledPort;

  private PeerLink(Vertx vertx, NetSocket socket, String serverId, boolean outbound) {
    this.vertx = vertx;
    this.socket = socket;
    this.serverId = serverId;
    this.outbound = outbound;
    socket.setWriteQueueMaxSize(PEER_WRITE_QUEUE_BYTES);
  }

  /**
   * The first line of an inbound connection was AUTHENTICATE: checks the secret and, if right, turns the
   * socket into a link. Returns the link (lines go to {@link #onLine}), or null after AUTHENTICATION_FAIL.
   */
  public static PeerLink accept(Vertx vertx, ServerConfig config, String serverId, NetSocket socket,
                                JsonObject auth) {
    if (!Secrets.constantTimeEquals(config.secret(), auth.getString("secret"))) {
      LOG.warn("[{}] AUTHENTICATION_FAIL for server link from {}: wrong secret", serverId, socket.remoteAddress());
      socket.write(MessageCodec.reply(Command.AUTHENTICATION_FAIL, "the supplied secret is incorrect"));
      socket.end();
      return null;
    }
    PeerLink link = new PeerLink(vertx, socket, serverId, false);
    link.start();
    link.markUp(auth.copy());
    return link;
  }

  /** An outbound socket that has sent AUTHENTICATE; it is up when MESH_WELCOME arrives. */
  static PeerLink connected(Vertx vertx, NetSocket socket, String serverId, String host, int port) {
    PeerLink link = new PeerLink(vertx, socket, serverId, true);
    link.dialledHost = host;
    link.dialledPort = port;
    link.start();
    return link;
  }

  private void start() {
    consumer = vertx.eventBus().localConsumer(Addresses.linkOut(linkId), m -> {
      Line l = m.body();
      if (l.line() != null && !closed) {
        socket.write(l.line());
      }
      if (m.replyAddress() != null) {
        m.reply(Boolean.TRUE); // a flush marker: every earlier line of this link is written
      }
      if (l.close()) {
        close();
      } else if (socket.writeQueueFull()) {
        LOG.warn("[{}] link {} cannot keep up ({} bytes queued): closing it", serverId, linkId,
            PEER_WRITE_QUEUE_BYTES);
        close();
      }
    });
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(err -> LOG.debug("[{}] link {} error: {}", serverId, linkId, err.getMessage()));
  }

  private void markUp(JsonObject hello) {
    up = true;
    vertx.eventBus().send(Addresses.MESH_LINK_UP, new PeerIn(linkId, hello, true, outbound));
  }

  public void onLine(String line) {
    if (closed) {
      return;
    }
    Decoded d = MessageCodec.decode(line);
    if (d.isError()) {
      refuse(d.error());
      return;
    }
    if (!up) {
      if (d.command() == Command.MESH_WELCOME) {
        markUp(d.body());
      } else if (d.command() == Command.MEMBER_DEAD && outbound) {
        vertx.eventBus().send(Addresses.MESH_LINK_IN, new PeerIn(linkId, d.body().copy()
            .put("viaHostname", dialledHost).put("viaPort", dialledPort), false, true));
        close();
      } else if (d.command() == Command.AUTHENTICATION_FAIL) {
        LOG.error("[{}] the mesh refused our secret: {}", serverId, d.string("info"));
        close();
      } else {
        refuse(ProtocolError.invalid("expected MESH_WELCOME, got " + d.command()));
      }
      return;
    }
    if (d.command() == Command.AUTHENTICATE) {
      refuse(ProtocolError.invalid("AUTHENTICATE on an already authenticated link"));
      return;
    }
    if (!d.command().fromServer() || d.command() == Command.MESH_WELCOME) {
      refuse(ProtocolError.invalid("command " + d.command() + " is not accepted on a server link"));
      return;
    }
    if (d.command() == Command.INVALID_MESSAGE || d.command() == Command.AUTHENTICATION_FAIL) {
      LOG.warn("[{}] peer on link {} refused our message: {}", serverId, linkId, d.string("info"));
      close();
      return;
    }
    vertx.eventBus().send(Addresses.MESH_LINK_IN, new PeerIn(linkId, d.body(), false, outbound));
  }

  public void onOverflow() {
    refuse(ProtocolError.invalid("line longer than the maximum message size"));
  }

  private void refuse(ProtocolError e) {
    LOG.warn("[{}] link {}: {} {}", serverId, linkId, e.reply(), e.info());
    socket.write(MessageCodec.reply(e.reply(), e.info()));
    close();
  }

  private void close() {
    if (!closed) {
      closed = true;
      socket.end();
    }
  }

  private void onClosed() {
    closed = true;
    if (consumer != null) {
      consumer.unregister();
    }
    LOG.info("[{}] link {} closed", serverId, linkId);
    if (up) {
      vertx.eventBus().send(Addresses.MESH_LINK_DOWN, linkId);
    } else if (outbound) {
      vertx.eventBus().send(Addresses.MESH_CONNECT_FAILED,
          new JsonObject().put("hostname", dialledHost).put("port", dialledPort));
    }
  }
}
