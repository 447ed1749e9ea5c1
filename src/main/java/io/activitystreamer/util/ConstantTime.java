package io.activitystreamer.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Comparing secrets in time that does not depend on where they differ. */
public final class ConstantTime {
  private ConstantTime() {}

  /** True if both are null or equal; the time depends on the lengths only. */
  public static boolean equals(String a, String b) {
    if (a == null || b == null) {
      return a == b;
    }
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
