package io.activitystreamer.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The handshake's proofs, without sockets: each input changes the proof; a wrong one never verifies. */
class MeshAuthUnitTest {
  private final Random random = new Random(7);
  private final byte[] key = MeshAuth.key("mesh-secret");
  private final String nc = MeshAuth.nonce(random);
  private final String ns = MeshAuth.nonce(random);

  @Test
  void aProofVerifiesOnlyForItsRoleNoncesAndIds() {
    String p = MeshAuth.proof(key, MeshAuth.ROLE_SERVER, nc, ns, "d#1", "a#1");
    assertTrue(MeshAuth.verify(key, p, MeshAuth.ROLE_SERVER, nc, ns, "d#1", "a#1"));
    assertFalse(MeshAuth.verify(key, p, MeshAuth.ROLE_CLIENT, nc, ns, "d#1", "a#1"), "not reflectable");
    assertFalse(MeshAuth.verify(key, p, MeshAuth.ROLE_SERVER, nc, MeshAuth.nonce(random), "d#1", "a#1"),
        "not replayable against a new nonce");
    assertFalse(MeshAuth.verify(key, p, MeshAuth.ROLE_SERVER, ns, nc, "d#1", "a#1"), "nonces are ordered");
    assertFalse(MeshAuth.verify(key, p, MeshAuth.ROLE_SERVER, nc, ns, "a#1", "d#1"), "ids are ordered");
    assertFalse(MeshAuth.verify(MeshAuth.key("other"), p, MeshAuth.ROLE_SERVER, nc, ns, "d#1", "a#1"));
    assertFalse(MeshAuth.verify(key, null, MeshAuth.ROLE_SERVER, nc, ns, "d#1", "a#1"));
  }

  @Test
  void partsAreLengthPrefixedSoShiftedBoundariesDiffer() {
    assertNotEquals(MeshAuth.proof(key, MeshAuth.ROLE_CLIENT, nc, ns, "ab", "c"),
        MeshAuth.proof(key, MeshAuth.ROLE_CLIENT, nc, ns, "a", "bc"));
  }

  @Test
  void noncesAreFreshAndChecked() {
    assertNotEquals(MeshAuth.nonce(), MeshAuth.nonce());
    assertEquals(44, MeshAuth.nonce().length(), "32 bytes, base64");
    assertTrue(MeshAuth.validNonce(nc));
    assertFalse(MeshAuth.validNonce("c2hvcnQ="), "too short");
    assertFalse(MeshAuth.validNonce("not base64!"));
    assertFalse(MeshAuth.validNonce(null));
  }
}
