package io.activitystreamer.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Where the terminal client reads what the user types and prints what arrives. On a terminal: JLine,
 * with line editing and history, and lines that arrive while the user types printed above the line
 * being edited (which is redrawn below them) instead of through it. Piped (scripts, tests): plain lines
 * in and out.
 */
interface ClientConsole extends AutoCloseable {

  /** The next line typed, or null at the end of input (Ctrl-D). */
  String readLine() throws IOException;

  /** Prints one line; thread-safe (the reader thread prints while the main thread reads). */
  void println(String line);

  @Override
  void close();

  /** JLine on the system terminal when there is one, else plain standard input and output. */
  static ClientConsole system() throws IOException {
    if (System.console() == null) {
      return plain(System.in, System.out);
    }
    return jline(TerminalBuilder.builder().system(true).build());
  }

  static ClientConsole plain(InputStream in, PrintStream out) {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    return new ClientConsole() {
      @Override
      public String readLine() throws IOException {
        return reader.readLine();
      }

      @Override
      public void println(String line) {
        out.println(line);
      }

      @Override
      public void close() {
        out.flush();
      }
    };
  }

  /** Line editing and history on {@code terminal}; arriving lines go above the line being typed. */
  static ClientConsole jline(Terminal terminal) {
    LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
    return new ClientConsole() {
      @Override
      public String readLine() {
        try {
          return reader.readLine("> ");
        } catch (EndOfFileException | UserInterruptException e) {
          return null; // Ctrl-D or Ctrl-C: log out
        }
      }

      @Override
      public void println(String line) {
        reader.printAbove(line); // prints at once when no line is being read
        terminal.flush();
      }

      @Override
      public void close() {
        try {
          terminal.close();
        } catch (IOException e) {
          // closing on exit: nothing left to do with it
        }
      }
    };
  }
}
