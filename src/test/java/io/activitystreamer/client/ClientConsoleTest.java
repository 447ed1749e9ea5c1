package io.activitystreamer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The terminal client's console: JLine on a real (non-system) JLine terminal fed through streams, and piped lines. */
@Timeout(60)
class ClientConsoleTest {
  /** JLine turns bracketed paste on each time it starts reading a line: the prompt is up. */
  private static final String READING = "\u001b[?2004h";

  private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
  private PipedOutputStream keys;

  @Test
  void typedLinesAreReadWithHistoryAndArrivingLinesPrintAboveTheLineBeingTyped() throws Exception {
    keys = new PipedOutputStream();
    PipedInputStream in = new PipedInputStream(keys);
    Terminal terminal = TerminalBuilder.builder().system(false).streams(in, screen).type("ansi")
        .encoding(StandardCharsets.UTF_8).build();
    try (ClientConsole console = ClientConsole.jline(terminal)) {
      CompletableFuture<String> first = read(console, 1);
      type("hello mesh\r");
      assertEquals("hello mesh", first.get(10, TimeUnit.SECONDS));

      CompletableFuture<String> second = read(console, 2);
      type("\u001b[A again\r"); // up-arrow recalls the last line; the edit appends to it
      assertEquals("hello mesh again", second.get(10, TimeUnit.SECONDS));

      // a line arriving while the user is half-way through typing one neither eats what was typed
      // nor lands inside it: it is printed, and the prompt is drawn again below it
      CompletableFuture<String> third = read(console, 3);
      type("half");
      console.println("bob: in the middle");
      awaitScreen(s -> s.indexOf(">", s.indexOf("bob: in the middle")) > 0);
      type(" done\r");
      assertEquals("half done", third.get(10, TimeUnit.SECONDS));

      CompletableFuture<String> last = read(console, 4);
      keys.write(4); // Ctrl-D on an empty line: end of input
      keys.flush();
      assertNull(last.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void pipedInputIsReadAsPlainLines() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ClientConsole console = ClientConsole.plain(
        new ByteArrayInputStream("one\ntwo\n".getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8))) {
      assertEquals("one", console.readLine());
      assertEquals("two", console.readLine());
      assertNull(console.readLine());
      console.println("shown");
    }
    assertEquals("shown" + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
  }

  /** Starts reading line number {@code n} and returns once its prompt is up (keys typed earlier could be taken by JLine's start-up). */
  private CompletableFuture<String> read(ClientConsole console, int n) {
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return console.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    awaitScreen(s -> s.split(java.util.regex.Pattern.quote(READING), -1).length - 1 >= n);
    return line;
  }

  private void type(String text) throws IOException {
    keys.write(text.getBytes(StandardCharsets.UTF_8));
    keys.flush();
  }

  private void awaitScreen(java.util.function.Predicate<String> shown) {
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> screen.toString(StandardCharsets.UTF_8), shown::test);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("not on the screen: " + screen.toString(StandardCharsets.UTF_8), e);
    }
  }
}
