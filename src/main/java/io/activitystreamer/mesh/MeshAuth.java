package io.activitystreamer.mesh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The mesh handshake's cryptography (docs/mesh.md, "Authentication"): a key derived from the mesh
 * secret, fresh nonces, and the two proofs. Pure; the secret itself never leaves this server.
 *
 * <p>Worked example: the dialler d sends nonce Nc, the acceptor a answers nonce Ns and
 * {@code proof("server", Nc, Ns, d, a)}; d checks it and answers {@code proof("client", Nc, Ns, d, a)}.
 * The role label stops a proof from being reflected back to its maker, both nonces stop a recorded
 * handshake from being replayed (the other side's nonce is new each time), and both ids bind the proof
 * to this pair of servers. Each field is length-prefixed, so no two transcripts encode the same.
 */
public final class MeshAuth {
  /** The version of the challenge-response handshake, sent as {@code version} in AUTHENTICATE. */
  public static final int VERSION = 2;
  public static final String ROLE_SERVER = "server";
  public static final String ROLE_CLIENT = "client";
  private static final String KEY_LABEL = "activitystreamer-mesh-v1";
  private static final int NONCE_BYTES = 32;
  private static final int MIN_NONCE_BYTES = 16;
  private static final int MAX_NONCE_CHARS = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  private MeshAuth() {}

  /** The proof key: HMAC-SHA256(secret, "activitystreamer-mesh-v1"). */
  public static byte[] key(String secret) {
    byte[] s = secret.getBytes(StandardCharsets.UTF_8);
    // an HMAC key may not be empty (Main generates a secret when none is configured; this is a guard)
    return hmac(s.length == 0 ? new byte[1] : s, KEY_LABEL.getBytes(StandardCharsets.UTF_8));
  }

  /** A fresh nonce (32 random bytes, base64). */
  public static String nonce() {
    return nonce(RANDOM);
  }

  /** A nonce from {@code random} (tests pass a seeded one). */
  public static String nonce(Random random) {
    byte[] b = new byte[NONCE_BYTES];
    random.nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  /** True if {@code nonce} is base64 of at least 16 bytes (and not absurdly long). */
  public static boolean validNonce(String nonce) {
    if (nonce == null || nonce.length() > MAX_NONCE_CHARS) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(nonce).length >= MIN_NONCE_BYTES;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** HMAC-SHA256(key, role | Nc | Ns | diallerId | acceptorId), base64; each part length-prefixed. */
  public static String proof(byte[] key, String role, String diallerNonce, String acceptorNonce, String diallerId,
                             String acceptorId) {
    return Base64.getEncoder().encodeToString(
        hmac(key, transcript(role, diallerNonce, acceptorNonce, diallerId, acceptorId)));
  }

  /** Constant-time check of a received proof against the expected one; false for a missing proof. */
  public static boolean verify(byte[] key, String received, String role, String diallerNonce, String acceptorNonce,
                               String diallerId, String acceptorId) {
    if (received == null) {
      return false;
    }
    byte[] expected = proof(key, role, diallerNonce, acceptorNonce, diallerId, acceptorId)
        .getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, received.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] transcript(String... parts) {
    int size = 0;
    byte[][] bytes = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      bytes[i] = parts[i].getBytes(StandardCharsets.UTF_8);
      size += 4 + bytes[i].length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    for (byte[] p : bytes) {
      b.putInt(p.length).put(p);
    }
    return b.array();
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
