package io.activitystreamer.protocol;

/** A refused input: the reply command (INVALID_MESSAGE or AUTHENTICATION_FAIL) and an info that says why. */
public record ProtocolError(Command reply, String info) {

  public static ProtocolError invalid(String info) {
    return new ProtocolError(Command.INVALID_MESSAGE, info);
  }

  public static ProtocolError authFail(String info) {
    return new ProtocolError(Command.AUTHENTICATION_FAIL, info);
  }
}
