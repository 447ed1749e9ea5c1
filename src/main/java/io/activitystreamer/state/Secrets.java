package io.activitystreamer.state;

import io.activitystreamer.util.ConstantTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted slow hashes of user secrets (PBKDF2-HMAC-SHA256, for REGISTER and LOGIN only; run on a worker
 * thread) and the constant-time compare used for every ACTIVITY_MESSAGE. Thread-safe.
 */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  public static String newSalt() {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return Base64.getEncoder().encodeToString(salt);
  }

  /** A random secret for users and meshes that were given none (26 base32-ish characters). */
  public static String generate() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 26; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /**
   * A resume token (docs/PROTOCOL.md "Extension: resume"): 128 random bits, URL-safe base64 (22
   * characters), not derived from anything the client or the server knows.
   */
  public static String newToken() {
    byte[] t = new byte[16];
    RANDOM.nextBytes(t);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(t);
  }

  /** SHA-256 of a token (URL-safe base64): what the mesh replicates and stores instead of the token. */
  public static String tokenHash(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  public static String hash(String secret, String salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), Base64.getDecoder().decode(salt), iterations, 256);
      byte[] out = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      return Base64.getEncoder().encodeToString(out);
    } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
    }
  }

  public static boolean verify(String secret, UserRecord user) {
    return ConstantTime.equals(hash(secret, user.salt(), user.iterations()), user.hash());
  }

}
