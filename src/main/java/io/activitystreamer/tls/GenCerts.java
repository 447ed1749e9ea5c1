package io.activitystreamer.tls;

import io.activitystreamer.util.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

/**
 * {@code gen-certs DIR [NAME...]}: a CA and certificates for a test mesh, with the JDK's own keytool
 * (no openssl needed). Writes {@code DIR/ca.pem} (the CA certificate; its key stays in
 * {@code DIR/ca.p12}, created once and reused) and, for each NAME (default {@code server}),
 * {@code DIR/NAME.pem} and {@code DIR/NAME.key} (PKCS#8 PEM): EC P-256, signed by the CA, for
 * {@code localhost}, {@code 127.0.0.1} and NAME (plus {@code CERT_HOSTS}, comma-separated), usable as a
 * TLS server and client certificate (mesh links use both). Each run issues new certificates (new
 * serials), each file replaced by a rename, so a running server reloads them whole.
 */
public final class GenCerts {
  /** The password of the throw-away keystores: this is a test CA, kept as safe as the directory. */
  private static final String STORE_PASSWORD = "activitystreamer-test-ca";

  private GenCerts() {}

  /** {@code gen-certs DIR [NAME...]} on the command line. */
  @CommandLine.Command(name = "gen-certs", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      usageHelpAutoWidth = true, header = "A test CA and certificates for TLS (with the JDK's keytool).",
      description = "Writes a test CA (DIR/ca.pem, its key in DIR/ca.p12) and for each NAME DIR/NAME.pem +"
          + " DIR/NAME.key for localhost, 127.0.0.1 and NAME (CERT_HOSTS=h1,h2 adds host names); run again to"
          + " issue new certificates with the same CA.")
  public static final class Command implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "where to write the files")
    Path dir;
    @Parameters(index = "1..*", paramLabel = "NAME", description = "certificate names (default: server)")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
      List<String> all = names.isEmpty() ? List.of("server") : names;
      try {
        generate(dir, System.getenv().getOrDefault("CERT_HOSTS", ""), all);
        System.out.println("wrote " + dir.resolve("ca.pem") + " and " + String.join(", ",
            all.stream().map(n -> dir.resolve(n + ".pem") + " + " + n + ".key").toList()));
        return 0;
      } catch (IOException | GeneralSecurityException | IllegalStateException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
    }
  }

  /** Writes the CA (if DIR has none) and a certificate and key for each name. */
  public static void generate(Path dir, String extraHosts, List<String> names)
      throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    Path caStore = dir.resolve("ca.p12");
    if (!Files.exists(caStore) || !Files.exists(dir.resolve("ca.pem"))) {
      Files.deleteIfExists(caStore);
      keytool("-genkeypair", "-keystore", caStore.toString(), "-alias", "ca", "-keyalg", "EC",
          "-groupname", "secp256r1", "-dname", "CN=ActivityStreamer test CA " + System.currentTimeMillis(),
          "-validity", "3650", "-ext", "bc:c=ca:true", "-ext", "ku:c=keyCertSign,cRLSign");
      Path tmp = dir.resolve("ca.pem.tmp");
      Files.deleteIfExists(tmp);
      keytool("-exportcert", "-rfc", "-keystore", caStore.toString(), "-alias", "ca", "-file", tmp.toString());
      Files.move(tmp, dir.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    // each certificate is three keytool runs (a JVM each): issued side by side
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(names.size(), 4));
    try {
      List<Future<Void>> issued = new ArrayList<>();
      for (String name : names) {
        issued.add(pool.submit(() -> {
          issue(dir, caStore, name, extraHosts);
          return null;
        }));
      }
      for (Future<Void> f : issued) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof GeneralSecurityException gs) {
        throw gs;
      }
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void issue(Path dir, Path caStore, String name, String extraHosts)
      throws IOException, GeneralSecurityException {
    StringBuilder san = new StringBuilder("dns:localhost,ip:127.0.0.1,dns:" + name);
    for (String h : extraHosts.split(",")) {
      if (!h.isBlank()) {
        san.append(",dns:").append(h.trim());
      }
    }
    Path store = dir.resolve(name + ".p12.tmp");
    Path csr = dir.resolve(name + ".csr.tmp");
    Path pem = dir.resolve(name + ".pem.tmp");
    Path key = dir.resolve(name + ".key.tmp");
    for (Path p : List.of(store, csr, pem, key)) {
      Files.deleteIfExists(p);
    }
    try {
      keytool("-genkeypair", "-keystore", store.toString(), "-alias", "key", "-keyalg", "EC", "-groupname",
          "secp256r1", "-dname", "CN=" + name, "-validity", "825");
      keytool("-certreq", "-keystore", store.toString(), "-alias", "key", "-file", csr.toString());
      keytool("-gencert", "-rfc", "-keystore", caStore.toString(), "-alias", "ca", "-infile", csr.toString(),
          "-outfile", pem.toString(), "-validity", "825", "-ext", "san=" + san, "-ext", "bc:c=ca:false",
          "-ext", "ku:c=digitalSignature,keyEncipherment", "-ext", "eku=serverAuth,clientAuth");
      Files.writeString(key, pkcs8Pem(store), StandardCharsets.US_ASCII);
      // the key first: a server polling the files takes them once both have settled
      Files.move(key, dir.resolve(name + ".key"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Files.move(pem, dir.resolve(name + ".pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      for (Path p : List.of(store, csr, pem, key)) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The private key of {@code store} as PEM ({@code BEGIN PRIVATE KEY}, PKCS#8). */
  private static String pkcs8Pem(Path store) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, STORE_PASSWORD.toCharArray());
    }
    Key k = ks.getKey("key", STORE_PASSWORD.toCharArray());
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(k.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
  }

  /** Runs the JDK's keytool (from this JVM's java.home) with the keystore password; fails with its output. */
  private static void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto")); // starts faster
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-noprompt"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed: " + out.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
