package io.activitystreamer.gateway;

/**
 * The states of a {@link ClientSession} and what moves between them (a line too long closes in every
 * open state).
 */
enum SessionState {
  /** Not logged in: REGISTER, LOGIN (to VERIFYING, or LOGGING_IN if anonymous), LOGOUT closes; ACTIVITY_MESSAGE is AUTHENTICATION_FAIL. */
  CONNECTED,
  /** A REGISTER is answered (name lookup, hash, mesh-wide registration, or a refusal's delay): to CONNECTED or closing. */
  REGISTERING,
  /** A LOGIN's secret is checked (lookup and hash, or a refusal's delay): to LOGGING_IN or closing. */
  VERIFYING,
  /** The state holds the LOGIN (maybe for the login sync): to LOGGED_IN or closing. */
  LOGGING_IN,
  /** ACTIVITY_MESSAGE, LOGOUT (to LOGGING_OUT while own activities are in flight); REGISTER and LOGIN are INVALID_MESSAGE; a redirect order to REDIRECTING. */
  LOGGED_IN,
  /** The state freezes the session for a move; to the client still LOGGED_IN. The freeze's answer writes REDIRECT: to REDIRECTED. */
  REDIRECTING,
  /** LOGOUT came while own activities were on their way back: reading paused until they are written or the grace ends; a freeze's answer still redirects. */
  LOGGING_OUT,
  /** REDIRECT written, closing: the detach at the transport's end is exact. */
  REDIRECTED,
  /** The last line written, closing; the transport is aborted if it does not end within the close grace. */
  CLOSING,
  /** The transport is gone (closed by either side). */
  CLOSED;

  /** Lines wait in the queue. */
  boolean waiting() {
    return this == REGISTERING || this == VERIFYING || this == LOGGING_IN || this == LOGGING_OUT;
  }

  /** Closing or closed: nothing more is read or written. */
  boolean closed() {
    return this == REDIRECTED || this == CLOSING || this == CLOSED;
  }

  /** A session is attached here and activities are written to the client. */
  boolean loggedIn() {
    return this == LOGGED_IN || this == REDIRECTING || this == LOGGING_OUT;
  }
}
