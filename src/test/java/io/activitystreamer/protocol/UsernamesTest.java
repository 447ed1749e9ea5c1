package io.activitystreamer.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The username policy as a table: name (Java escapes), accepted?, what the refusal names. */
class UsernamesTest {
  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      ann                     | ok       |
      Ann Lee                 | ok       |
      élodie                  | ok       |
      e\\u0301lodie           | ok       |
      \\u5c71\\u7530          | ok       |
      \\ud83d\\ude00          | ok       |
      anonymouse              | ok       |
      x{64}                   | ok       |
      x{65}                   | refused  | 65 characters long
      \\ud83d\\ude00{64}      | ok       |
      \\ud83d\\ude00{65}      | refused  | 65 characters long
      e\\u0301{64}            | ok       |
      bell\\u0007name         | refused  | U+0007
      tab\\tname              | refused  | U+0009
      nl\\nname               | refused  | U+000A
      del\\u007fname          | refused  | U+007F
      c1\\u0085name           | refused  | U+0085
      rtl\\u202eevil          | refused  | U+202E
      lri\\u2066x             | refused  | U+2066
      zw\\u200bspace          | refused  | U+200B
      bom\\ufeffname          | refused  | U+FEFF
      ls\\u2028name           | refused  | U+2028
      lone\\ud800surrogate    | refused  | U+D800
      Anonymous               | refused  | reserved
      ANONYMOUS               | refused  | reserved
      aNoNyMoUs               | refused  | reserved
      anonymou\\u017f         | refused  | reserved
      ''                      | refused  | empty
      """)
  void policy(String spec, String verdict, String names) {
    String name = Usernames.normalise(unescape(spec));
    String problem = Usernames.problem(name);
    if ("ok".equals(verdict)) {
      assertNull(problem, spec);
    } else {
      assertTrue(problem != null && problem.contains(names), spec + ": " + problem);
      assertTrue(problem.endsWith(Usernames.RULE), "the answer states the rule: " + problem);
    }
  }

  @ParameterizedTest
  @CsvSource({"e\\u0301, \\u00e9", "A\\u030a, \\u00c5", "\\u00e9, \\u00e9", "\\u1e9b\\u0323, \\u1e9b\\u0323"})
  void theStoredNameIsTheNfcForm(String in, String nfc) {
    assertEquals(unescape(nfc), Usernames.normalise(unescape(in)));
  }

  /** Java escapes (\\uXXXX, \\t, \\n), {N} repeats the character before it (code point) N times in all; '' is empty. */
  static String unescape(String s) {
    if (s == null || s.equals("''")) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && s.charAt(i + 1) == 'u') {
        out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
        i += 5;
      } else if (c == '\\' && s.charAt(i + 1) == 't') {
        out.append('\t');
        i++;
      } else if (c == '\\' && s.charAt(i + 1) == 'n') {
        out.append('\n');
        i++;
      } else if (c == '{') {
        int end = s.indexOf('}', i);
        int n = Integer.parseInt(s.substring(i + 1, end));
        int last = out.codePointBefore(out.length());
        String unit = Character.charCount(last) == 2 ? out.substring(out.length() - 2) : out.substring(out.length() - 1);
        if (unit.length() == 1 && out.length() >= 2 && Character.getType(unit.charAt(0)) == Character.NON_SPACING_MARK) {
          unit = out.substring(out.length() - 2); // base + combining mark repeats as one
        }
        for (int k = 1; k < n; k++) {
          out.append(unit);
        }
        i = end;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
