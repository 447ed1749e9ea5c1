package io.activitystreamer.client;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the terminal client reaches a server: a blocking socket, plaintext or TLS (handshake done and the
 * host name verified against {@code --ca FILE} or the JVM's CAs), and the one-shot REGISTER exchange.
 */
final class ClientConnector {
  private final ClientConsole out;
  /** TLS sockets from here; null = plaintext. */
  private SSLSocketFactory tls;

  ClientConnector(ClientConsole out) {
    this.out = out;
  }

  /** From now on TLS, verified against {@code caFile} (PEM) or the JVM's default CAs when null. */
  void useTls(String caFile) throws IOException, GeneralSecurityException {
    tls = tlsFactory(caFile);
  }

  /** TLS sockets trusting the certificates in {@code caFile} (PEM), or the JVM's defaults when null. */
  static SSLSocketFactory tlsFactory(String caFile) throws IOException, GeneralSecurityException {
    if (caFile == null) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(caFile))) {
      int n = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca" + n++, c);
      }
      if (n == 0) {
        throw new IOException("no certificate in " + caFile);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx.getSocketFactory();
  }

  /** A connected socket to {@code h:p}: plaintext, or TLS with the handshake done and the host name checked. */
  Socket open(String h, int p, int timeoutMillis) throws IOException {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress(h, p), timeoutMillis);
    if (tls == null) {
      return plain;
    }
    SSLSocket s = (SSLSocket) tls.createSocket(plain, h, p, true);
    SSLParameters params = s.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(params);
    s.setSoTimeout(timeoutMillis);
    try {
      s.startHandshake();
    } catch (IOException e) {
      s.close();
      out.println("TLS handshake with " + h + ":" + p + " failed: " + e.getMessage());
      throw e;
    }
    s.setSoTimeout(0);
    return s;
  }

  /** REGISTERs {@code username} with {@code secret} on {@code h:p}; says why not when it fails. */
  boolean register(String h, int p, String username, String secret) throws IOException {
    try (Socket s = open(h, p, 5000)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      s.getOutputStream().write(line(ClientMessages.register(username, secret)));
      String line = in.readLine();
      if (line == null) {
        out.println("register failed: the server closed the connection");
        return false;
      }
      JsonObject reply = new JsonObject(line);
      if (!ClientMessages.isRegisterSuccess(reply)) {
        out.println("register failed: " + ClientMessages.info(reply));
        return false;
      }
      return true;
    }
  }

  /** {@code msg} as one line on the wire. */
  static byte[] line(JsonObject msg) {
    return (msg.encode() + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
