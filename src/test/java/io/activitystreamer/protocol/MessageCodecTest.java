package io.activitystreamer.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every INVALID_MESSAGE case of PROTOCOL.md sections 1 and 2 that the codec alone decides. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MessageCodecTest {

  private static ProtocolError error(String line) {
    Decoded d = MessageCodec.decode(line);
    assertTrue(d.isError(), "expected an error for " + line);
    assertEquals(Command.INVALID_MESSAGE, d.error().reply());
    return d.error();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "hello                                                   | message is not valid JSON",
      "{\"command\":\"LOGIN\"                                  | message is not valid JSON",
      "[1,2,3]                                                 | message must be a JSON object",
      "[{\"command\":\"LOGOUT\"}]                              | message must be a JSON object",
      "\"LOGOUT\"                                              | message must be a JSON object",
      "42                                                      | message must be a JSON object",
      "null                                                    | message must be a JSON object",
      "{}                                                      | missing field 'command'",
      "{\"command\":null}                                      | missing field 'command'",
      "{\"command\":7}                                         | field 'command' must be a string",
      "{\"command\":{\"x\":1}}                                 | field 'command' must be a string",
      "{\"command\":\"LOGON\"}                                 | unknown command 'LOGON'",
      "{\"command\":\"login\"}                                 | unknown command 'login'",
      "{\"command\":\"\"}                                      | unknown command ''",
      "{\"command\":\"REGISTER\",\"secret\":\"s\"}             | missing field 'username'",
      "{\"command\":\"REGISTER\",\"username\":\"u\"}           | missing field 'secret'",
      "{\"command\":\"REGISTER\",\"username\":5,\"secret\":\"s\"}  | field 'username' must be a string",
      "{\"command\":\"REGISTER\",\"username\":\"u\",\"secret\":[]} | field 'secret' must be a string",
      "{\"command\":\"REGISTER\",\"username\":\"\",\"secret\":\"s\"} | field 'username' must not be empty",
      "{\"command\":\"LOGIN\"}                                 | missing field 'username'",
      "{\"command\":\"LOGIN\",\"username\":\"bob\"}            | missing field 'secret'",
      "{\"command\":\"LOGIN\",\"username\":\"bob\",\"secret\":null} | missing field 'secret'",
      "{\"command\":\"LOGIN\",\"username\":true,\"secret\":\"s\"}  | field 'username' must be a string",
      "{\"command\":\"LOGIN\",\"username\":\"bob\",\"secret\":12}  | field 'secret' must be a string",
      "{\"command\":\"LOGIN\",\"username\":\"anonymous\",\"secret\":12} | field 'secret' must be a string",
      "{\"command\":\"ACTIVITY_MESSAGE\",\"activity\":{}}      | missing field 'username'",
      "{\"command\":\"ACTIVITY_MESSAGE\",\"username\":1,\"activity\":{}} | field 'username' must be a string",
      "{\"command\":\"ACTIVITY_MESSAGE\",\"username\":\"u\",\"secret\":1,\"activity\":{}} | field 'secret' must be a string",
      "{\"command\":\"AUTHENTICATE\"}                          | missing field 'secret'",
      "{\"command\":\"AUTHENTICATE\",\"secret\":3}             | field 'secret' must be a string",
  })
  void invalidMessages(String line, String info) {
    assertEquals(info, error(line.trim()).info());
  }

  @Test
  void longUnknownCommandIsTruncatedInTheInfo() {
    String name = "X".repeat(1000);
    String info = error("{\"command\":\"" + name + "\"}").info();
    assertTrue(info.length() < 100, info);
    assertTrue(info.startsWith("unknown command 'XXXX"), info);
  }

  @Test
  void secretsAreNeverEchoed() {
    String info = error("{\"command\":\"LOGIN\",\"username\":[\"x\"],\"secret\":\"topsecret\"}").info();
    assertFalse(info.contains("topsecret"), info);
  }

  @Test
  void validMessagesDecode() {
    Decoded reg = MessageCodec.decode("{\"command\":\"REGISTER\",\"username\":\"u\",\"secret\":\"s\",\"extra\":[1]}");
    assertFalse(reg.isError());
    assertEquals(Command.REGISTER, reg.command());
    assertEquals("u", reg.string(Fields.USERNAME));

    Decoded anon = MessageCodec.decode("{\"command\":\"LOGIN\",\"username\":\"anonymous\"}");
    assertFalse(anon.isError());
    assertEquals(Command.LOGIN, anon.command());

    Decoded anonNull = MessageCodec.decode("{\"command\":\"LOGIN\",\"username\":\"anonymous\",\"secret\":null}");
    assertFalse(anonNull.isError());

    Decoded named = MessageCodec.decode("{\"command\":\"LOGIN\",\"username\":\"bob\",\"secret\":\"s\"}");
    assertFalse(named.isError());

    assertFalse(MessageCodec.decode("{\"command\":\"LOGOUT\"}").isError());
    assertFalse(MessageCodec.decode("{\"command\":\"LOGOUT\",\"junk\":{}}").isError());

    // the codec leaves activity checks (missing / not an object) to the handler, after authentication
    Decoded act = MessageCodec.decode("{\"command\":\"ACTIVITY_MESSAGE\",\"username\":\"anonymous\",\"activity\":{\"a\":1}}");
    assertFalse(act.isError());
    assertEquals(Command.ACTIVITY_MESSAGE, act.command());

    // unicode survives
    Decoded uni = MessageCodec.decode("{\"command\":\"REGISTER\",\"username\":\"Zoë 😀\",\"secret\":\"s\"}");
    assertEquals("Zoë 😀", uni.string(Fields.USERNAME));
  }

  @Test
  void everyCommandIsKnownByItsWireName() {
    for (Command c : Command.values()) {
      assertEquals(c, Command.of(c.name()));
    }
    assertEquals(null, Command.of("nope"));
    assertTrue(Command.LOGIN.fromClient());
    assertFalse(Command.SERVER_ANNOUNCE.fromClient());
    assertFalse(Command.ACTIVITY_BROADCAST.fromClient());
  }

  @Test
  void encodeWritesOneJsonLine() {
    Buffer b = MessageCodec.reply(Command.LOGIN_FAILED, "attempt to login with wrong secret");
    String s = b.toString();
    assertTrue(s.endsWith("\n"));
    assertEquals(1, s.chars().filter(ch -> ch == '\n').count());
    JsonObject j = new JsonObject(s.trim());
    assertEquals("LOGIN_FAILED", j.getString("command"));
    assertEquals("attempt to login with wrong secret", j.getString("info"));

    JsonObject act = new JsonObject().put("text", "line1\nline2");
    String bc = MessageCodec.broadcast(act).toString();
    assertEquals(1, bc.chars().filter(ch -> ch == '\n').count(), "newlines inside strings are escaped");
    JsonObject back = new JsonObject(bc.trim());
    assertEquals("ACTIVITY_BROADCAST", back.getString("command"));
    assertEquals("line1\nline2", back.getJsonObject("activity").getString("text"));
    assertNotNull(MessageCodec.encode(Command.LOGOUT, null));
  }

  @Test
  void decodeNeverThrowsOnOddInput() {
    String[] odd = {
        "", " ", "{", "}", "{\"command\"}", "{\"command\":\"LOGOUT\"} trailing", "{\"command\":\"LOGOUT\"}{}",
        "[".repeat(5000) + "]".repeat(5000), "{\"a\":".repeat(3000) + "1" + "}".repeat(3000),
        "{\"command\":\"LOGOUT\",\"n\":1e999999}", "{\"command\":\"LOGOUT\",\"n\":" + "9".repeat(5000) + "}",
        "{\"command\":\"LOGOUT\",\"s\":\"\\ud800\"}", "\uFFFD\uFFFD", "{\"command\":\"LOGOUT\",\"command\":5}",
        "{'command':'LOGOUT'}", "NaN", "true",
    };
    for (String line : odd) {
      Decoded d;
      try {
        d = MessageCodec.decode(line);
      } catch (RuntimeException e) {
        throw new AssertionError("decode threw for " + line.substring(0, Math.min(60, line.length())), e);
      }
      assertNotNull(d, line);
      if (d.isError()) {
        assertEquals(Command.INVALID_MESSAGE, d.error().reply());
        assertNotNull(d.error().info());
      }
    }
  }
}
