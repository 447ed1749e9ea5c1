package io.activitystreamer.bus;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The state's answer to a LOGIN: the session (new or resumed), the backlog lines to write after
 * LOGIN_SUCCESS and before anything newer, how many activities the backlog bounds dropped, the last
 * client sequence number accepted for this session (resume extension), the known members, and whether
 * the session was just placed here by a redirect (then it is not redirected again at once: G6).
 * {@code tlsMembers} are the members' TLS addresses ({@code host:tlsPort}, those that have one), for a
 * client connected over TLS.
 */
public record LoginResult(String sessionId, boolean resumed, List<Buffer> backlog, long dropped, long lastSeq,
                          List<String> members, boolean placed, List<String> tlsMembers) {

  public LoginResult(String sessionId, boolean resumed, List<Buffer> backlog, long dropped, long lastSeq,
                     List<String> members, boolean placed) {
    this(sessionId, resumed, backlog, dropped, lastSeq, members, placed, List.of());
  }

  /** The same result with the members this server knows (the state core does not know addresses). */
  public LoginResult withMembers(List<String> members, List<String> tlsMembers) {
    return new LoginResult(sessionId, resumed, backlog, dropped, lastSeq, members, placed, tlsMembers);
  }
}
