package io.activitystreamer.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What every command of the jar (server, {@code client}, {@code bench}, {@code gen-certs}) shares on picocli:
 * the version, and one way to report a bad command line (exit 2, a message naming the flag and what it
 * expects, then where to look).
 */
public final class Cli {
  private Cli() {}

  /** The project version, from version.properties (Maven fills it in at build time). */
  public static String version() {
    try (InputStream in = Cli.class.getResourceAsStream("/io/activitystreamer/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** {@code --version}: the product's version and the JVM it runs on. */
  public static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "ActivityStreamer " + version(),
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }

  /**
   * A command line for {@code command} (and its subcommands) with the shared settings: a flag's value is
   * the next argument whatever it looks like ({@code -s -abc} is the secret "-abc", as the classic
   * parsers had it), flags are not clustered ({@code -lp} is one flag, never {@code -l -p}), and a flag
   * given twice takes the last value (scripts append overrides to their defaults, e.g. bench/lib.sh).
   */
  public static CommandLine commandLine(Object command) {
    return new CommandLine(command)
        .setPosixClusteredShortOptionsAllowed(false)
        .setAllowOptionsAsOptionParameters(true)
        .setOverwrittenOptionsAllowed(true)
        .setParameterExceptionHandler(Cli::badArguments);
  }

  /** One of an enum's constants, by its lower-case name; the error lists them the way they are typed. */
  public abstract static class LowerCaseEnum<E extends Enum<E>> implements ITypeConverter<E> {
    private final Class<E> type;

    protected LowerCaseEnum(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(value)) {
          return e;
        }
      }
      throw new TypeConversionException("expected one of " + Arrays.stream(type.getEnumConstants())
          .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ", got '" + value + "'");
    }
  }

  /**
   * A bad command line: picocli's message names the flag and the value it expects ("Invalid value for
   * option '-lp': 'x' is not an int", "Missing required parameter for option '-rh' (HOST)"); then
   * suggestions for a mistyped flag, and the command's help flag. Exit code 2.
   */
  private static int badArguments(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("try: " + cmd.getCommandSpec().qualifiedName() + " -h");
    err.flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }
}
