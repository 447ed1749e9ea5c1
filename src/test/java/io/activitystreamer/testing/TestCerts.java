package io.activitystreamer.testing;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates made the documented way (scripts/gen-certs.sh, openssl), and a JDK TLS client
 * that trusts only such a CA.
 */
public final class TestCerts {
  private TestCerts() {}

  /** True when openssl is on the PATH (the script needs it). */
  public static boolean opensslAvailable() {
    try {
      Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs scripts/gen-certs.sh DIR NAME...: DIR/ca.pem (kept if there), DIR/NAME.pem and DIR/NAME.key. */
  public static void generate(Path dir, String... names) {
    Path script = Paths.get("scripts", "gen-certs.sh").toAbsolutePath();
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("sh", script.toString(), dir.toString()));
    cmd.addAll(java.util.List.of(names));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("gen-certs.sh failed: " + out);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run gen-certs.sh: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
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
