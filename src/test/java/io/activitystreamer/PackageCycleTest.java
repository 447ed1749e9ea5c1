package io.activitystreamer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of src/main depend on each other without a cycle (docs/ARCHITECTURE.md, package map):
 * read from the imports of the sources, so a class that imports back across a seam fails here.
 */
class PackageCycleTest {
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.activitystreamer\\.(\\w+)\\.",
      Pattern.MULTILINE);

  @Test
  void noPackageDependsOnItselfThroughOthers() throws IOException {
    Path root = Path.of("src/main/java/io/activitystreamer");
    Map<String, Set<String>> deps = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
        Path dir = root.relativize(f.getParent());
        String pkg = dir.toString().isEmpty() ? "(root)" : dir.getName(0).toString();
        Set<String> to = deps.computeIfAbsent(pkg, p -> new TreeSet<>());
        try {
          Matcher m = IMPORT.matcher(Files.readString(f));
          while (m.find()) {
            if (!m.group(1).equals(pkg)) {
              to.add(m.group(1));
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    List<String> cycles = new ArrayList<>();
    for (String p : deps.keySet()) {
      for (String q : deps.get(p)) {
        if (reaches(deps, q, p, new HashSet<>())) {
          cycles.add(p + " -> " + q + " -> ... -> " + p);
        }
      }
    }
    assertEquals(List.of(), cycles, "package cycles; dependencies: " + deps);
  }

  private static boolean reaches(Map<String, Set<String>> deps, String from, String to, Set<String> seen) {
    for (String n : deps.getOrDefault(from, Set.of())) {
      if (n.equals(to) || (seen.add(n) && reaches(deps, n, to, seen))) {
        return true;
      }
    }
    return false;
  }
}
