package io.activitystreamer.bench;

import io.activitystreamer.protocol.Fields;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Our classic protocol: optionally REGISTER, then LOGIN, follow a REDIRECT; every ACTIVITY_BROADCAST is
 * a delivery (publishers receive every activity too: their own echo is the acknowledgement).
 */
final class ClassicCodec extends Codec implements LineScanner.Sink {
  private final String username;
  private final String secret;
  private final boolean register;
  private final byte[] head;
  private static final byte[] TAIL = "}\n".getBytes(StandardCharsets.US_ASCII);
  private LineScanner scanner = new LineScanner(this);
  private long slowBefore;
  private boolean registeredDone;

  ClassicCodec(Peer peer, boolean subscriber, int index, int payloadBytes, String username, String secret,
               boolean register) {
    super(peer, subscriber, index, payloadBytes);
    this.username = username;
    this.secret = secret;
    this.register = register;
    // names and secrets are generated (plain ASCII): no JSON escaping needed
    String credentials = "\"" + Fields.USERNAME + "\":\"" + username + "\""
        + (secret == null ? "" : ",\"" + Fields.SECRET + "\":\"" + secret + "\"");
    this.head = ascii("{\"command\":\"ACTIVITY_MESSAGE\"," + credentials + ",\"activity\":");
  }

  @Override
  void greet() {
    slowBefore += scanner.slowLines();
    scanner = new LineScanner(this);
    if (register && !registeredDone) {
      send(new JsonObject().put(Fields.COMMAND, "REGISTER").put(Fields.USERNAME, username)
          .put(Fields.SECRET, secret));
    } else {
      login();
    }
  }

  private void login() {
    JsonObject m = new JsonObject().put(Fields.COMMAND, "LOGIN").put(Fields.USERNAME, username);
    if (secret != null) {
      m.put(Fields.SECRET, secret);
    }
    send(m);
  }

  private void send(JsonObject m) {
    peer.write(m.toBuffer().appendByte((byte) '\n'));
  }

  @Override
  void read(ByteBuf b) {
    scanner.scan(b);
  }

  @Override
  void publish(Buffer out, String t, String seq) {
    out.appendBytes(head);
    appendBody(out, t, seq);
    out.appendBytes(TAIL);
  }

  @Override
  boolean repliesPerMessage() {
    return true;
  }

  @Override
  long slowFrames() {
    return slowBefore + scanner.slowLines();
  }

  @Override
  public void broadcast(long sentNanos, int publisher, long seq) {
    peer.broadcast(sentNanos, publisher, seq);
  }

  @Override
  public void control(JsonObject line) {
    String cmd = String.valueOf(line.getValue(Fields.COMMAND));
    switch (cmd) {
      case "REGISTER_SUCCESS" -> {
        registeredDone = true;
        login();
      }
      case "LOGIN_SUCCESS" -> peer.ready();
      case "REDIRECT" -> peer.redirect(new BenchOptions.Target(line.getString(Fields.HOSTNAME),
          line.getInteger(Fields.PORT)));
      default -> peer.failed("got " + line.encode());
    }
  }
}
