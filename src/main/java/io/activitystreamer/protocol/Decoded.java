package io.activitystreamer.protocol;

import io.vertx.core.json.JsonObject;

/** The outcome of decoding one line: a command with its (already type-checked) body, or an error. */
public record Decoded(Command command, JsonObject body, ProtocolError error) {

  public static Decoded ok(Command command, JsonObject body) {
    return new Decoded(command, body, null);
  }

  public static Decoded error(ProtocolError error) {
    return new Decoded(null, null, error);
  }

  public boolean isError() {
    return error != null;
  }

  public String string(String field) {
    Object v = body.getValue(field);
    return v instanceof String s ? s : null;
  }
}
