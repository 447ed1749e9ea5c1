package io.activitystreamer.testing;

import io.activitystreamer.tls.GenCerts;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates made the documented way ({@code gen-certs}, i.e. {@link GenCerts} with the JDK's
 * keytool), and a JDK TLS client that trusts only such a CA.
 */
public final class TestCerts {
  private TestCerts() {}

  /** As {@code gen-certs DIR NAME...}: DIR/ca.pem (kept if there), DIR/NAME.pem and DIR/NAME.key. */
  public static void generate(Path dir, String... names) {
    try {
      GenCerts.generate(dir, "", List.of(names));
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("gen-certs failed: " + e, e);
    }
  }

  public static X509Certificate read(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("cannot read " + pem + ": " + e, e);
    }
  }

  /** A TLS context that trusts only the CA in {@code caPem} (no client certificate). */
  public static SSLContext trusting(Path caPem) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("ca", read(caPem));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new AssertionError("cannot build a TLS context: " + e, e);
    }
  }

  /** A TLS socket to 127.0.0.1:{@code port}, handshake done, trusting {@code caPem}; fails if it does not verify. */
  public static SSLSocket connect(Path caPem, int port) {
    try {
      SSLSocket s = (SSLSocket) trusting(caPem).getSocketFactory().createSocket("127.0.0.1", port);
      s.setSoTimeout(10_000);
      s.startHandshake();
      s.setSoTimeout(0);
      return s;
    } catch (IOException e) {
      throw new AssertionError("TLS connection to port " + port + " failed: " + e, e);
    }
  }

  /** The serial number of the certificate the server on {@code port} presents now. */
  public static BigInteger servedSerial(Path caPem, int port) {
    try (SSLSocket s = connect(caPem, port)) {
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
