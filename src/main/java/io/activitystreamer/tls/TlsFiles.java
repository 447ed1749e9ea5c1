package io.activitystreamer.tls;

import io.activitystreamer.config.ServerConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The PEM files of {@code tlsCertFile}, {@code tlsKeyFile} and {@code tlsCaFile}, read into memory
 * ({@link Material}) and turned into Vert.x SSL options. The options carry the files' contents, not
 * their paths, so options built after a change differ from the old ones and an update really loads
 * the new certificate. {@link #stamp} tells whether the files changed (modification time, size and
 * file key of each, so an atomic rename counts too).
 */
public final class TlsFiles {
  private final String certFile;
  private final String keyFile;
  private final String caFile;

  public TlsFiles(String certFile, String keyFile, String caFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.caFile = caFile;
  }

  public static TlsFiles of(ServerConfig c) {
    return new TlsFiles(c.tlsCertFile(), c.tlsKeyFile(), c.tlsCaFile());
  }

  /** The files' contents at one moment. */
  public record Material(Buffer cert, Buffer key, Buffer ca) {
    PemKeyCertOptions keyCert() {
      return new PemKeyCertOptions().setCertValue(cert).setKeyValue(key);
    }

    PemTrustOptions trust() {
      return ca == null ? null : new PemTrustOptions().addCertValue(ca);
    }

    /**
     * A server's options: this certificate; with a CA, client certificates are requested (not
     * required: clients on tlsPort have none) and those presented must chain to it.
     */
    public ServerSSLOptions server() {
      ServerSSLOptions o = new ServerSSLOptions().setKeyCertOptions(keyCert());
      if (ca != null) {
        o.setTrustOptions(trust()).setClientAuth(ClientAuth.REQUEST);
      }
      return o;
    }

    /** An HTTPS server's options: this certificate, no client certificates. */
    public ServerSSLOptions httpServer() {
      return new ServerSSLOptions().setKeyCertOptions(keyCert());
    }

    /**
     * A mesh dialler's options: presents this certificate and trusts only the CA (any member the
     * mesh CA signed; host names are not checked).
     */
    public ClientSSLOptions meshClient() {
      return new ClientSSLOptions().setKeyCertOptions(keyCert()).setTrustOptions(trust())
          .setHostnameVerificationAlgorithm("");
    }
  }

  /** {@code options} with SSL on and the certificate, trust and client authentication of {@code ssl}. */
  public static <T extends NetServerOptions> T withSsl(T options, ServerSSLOptions ssl) {
    options.setSsl(true).setKeyCertOptions(ssl.getKeyCertOptions());
    if (ssl.getTrustOptions() != null) {
      options.setTrustOptions(ssl.getTrustOptions());
    }
    options.setClientAuth(ssl.getClientAuth());
    return options;
  }

  /** Reads the files; throws UncheckedIOException naming the file that cannot be read. */
  public Material load() {
    return new Material(read(certFile), read(keyFile), caFile.isBlank() ? null : read(caFile));
  }

  private static Buffer read(String file) {
    try {
      return Buffer.buffer(Files.readAllBytes(Paths.get(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS file " + file + ": " + e, e);
    }
  }

  /** What changes when any of the files is written or replaced (a missing file has its own stamp). */
  public List<Object> stamp() {
    List<Object> s = new ArrayList<>();
    for (String f : List.of(certFile, keyFile, caFile)) {
      if (f.isBlank()) {
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(Path.of(f), BasicFileAttributes.class);
        s.add(List.of(a.lastModifiedTime(), a.size(), Objects.toString(a.fileKey())));
      } catch (IOException e) {
        s.add("missing");
      }
    }
    return s;
  }
}
