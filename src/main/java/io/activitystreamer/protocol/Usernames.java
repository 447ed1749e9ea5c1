package io.activitystreamer.protocol;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The username policy. A name is taken in its Unicode NFC form (the form stored, compared and broadcast as
 * {@code authenticated_user}: REGISTER, LOGIN and ACTIVITY_MESSAGE all normalise, so a client sending the
 * decomposed form of a name it registered composed is the same user). A REGISTERed name must be 1 to
 * {@link #MAX_LENGTH} characters (code points) in that form, hold no control (Cc), format (Cf: bidi
 * controls such as U+202E, zero-width characters), surrogate (Cs) or line/paragraph separator (Zl, Zp)
 * character, and not be {@code anonymous} in any letter case.
 */
public final class Usernames {
  public static final int MAX_LENGTH = 64;
  /** The rule, as REGISTER_FAILED states it after what was wrong. */
  public static final String RULE = "a username is 1 to " + MAX_LENGTH + " characters after Unicode NFC"
      + " normalisation, without control, format (bidi) or line separator characters, and 'anonymous' is"
      + " reserved in any letter case";

  private Usernames() {}

  /** The NFC form of {@code name} (null stays null). */
  public static String normalise(String name) {
    return name == null || Normalizer.isNormalized(name, Normalizer.Form.NFC) ? name
        : Normalizer.normalize(name, Normalizer.Form.NFC);
  }

  /**
   * What is wrong with {@code nfc} (an NFC-normalised name) as a name to REGISTER, followed by the rule;
   * null when it is fine. Never repeats the name (it may hold the very characters that are refused).
   * The exact name {@code anonymous} is not checked here: it has its own classic answer.
   */
  public static String problem(String nfc) {
    int length = nfc.codePointCount(0, nfc.length());
    if (length < 1) {
      return "username is empty: " + RULE;
    }
    if (length > MAX_LENGTH) {
      return "username is " + length + " characters long: " + RULE;
    }
    for (int i = 0; i < nfc.length(); ) {
      int cp = nfc.codePointAt(i);
      int type = Character.getType(cp);
      if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        return String.format(Locale.ROOT, "username contains the character U+%04X: %s", cp, RULE);
      }
      i += Character.charCount(cp);
    }
    if (Fields.ANONYMOUS.equalsIgnoreCase(nfc)) { // char-wise upper and lower case: also catches a long s (U+017F) for the last s
      return "username is reserved: " + RULE;
    }
    return null;
  }
}
