package dev.laneway.lanes.remote;

import dev.laneway.topology.RemoteSpec;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS of a gateway → node link ({@link RemoteSpec}): the CAs trusted for the node (all of {@code ca}, so an old
 * and a new CA can both be trusted while one rotates; else the JDK's), the node's expected identity (a SAN: DNS name
 * or URI, checked in place of the host name), and the gateway's own certificate for mutual TLS. A handshake that
 * fails makes the call fail like any node failure (breaker, fallback), and {@link #reason} says why in words: the
 * node's certificate expired, its CA is unknown, it names another identity, or the node refused the gateway's.
 *
 * <pre>{@code
 * HttpClientOptions o = NodeTls.clientOptions(spec.remote());
 * }</pre>
 */
final class NodeTls {
  private NodeTls() {}

  /** HTTP/2 client options for a TLS link as {@code r} declares it. */
  static HttpClientOptions clientOptions(RemoteSpec r) {
    HttpClientOptions o = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setSsl(true).setUseAlpn(true)
        .setTcpNoDelay(true);
    if (!r.ca().isEmpty() || r.identity() != null) {
      o.setTrustOptions(TrustOptions.wrap(new Pinned(pki(r.ca()), r.identity())));
    }
    if (r.identity() != null) o.setVerifyHost(false); // the identity is checked instead of the host name
    if (r.clientCert() != null) {
      o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(r.clientCert()).setKeyPath(r.clientKey()));
      String why = clientCertProblem(r.clientCert(), java.time.Instant.now());
      if (why != null) {
        java.util.logging.Logger.getLogger(NodeTls.class.getName()).warning("remote " + r.address() + ": the gateway's "
            + "client certificate " + r.clientCert() + " " + why + ": the node will refuse it (TLS 1.3 says so only "
            + "as a closed connection)");
      }
    }
    return o;
  }

  /** What is wrong with a client certificate file now (expired, not yet valid, unreadable), or null. */
  static String clientCertProblem(String file, java.time.Instant now) {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      if (now.isAfter(c.getNotAfter().toInstant())) return "expired at " + c.getNotAfter().toInstant();
      if (now.isBefore(c.getNotBefore().toInstant())) return "is not valid before " + c.getNotBefore().toInstant();
      return null;
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      return "cannot be read (" + e.getMessage() + ")";
    }
  }

  /** Whether {@code r} needs a client of its own (anything beyond the JDK's trust store and host name check). */
  static boolean custom(RemoteSpec r) {
    return !r.ca().isEmpty() || r.identity() != null || r.clientCert() != null;
  }

  /** Why a TLS link failed, in words, or null when {@code e} is no TLS failure. */
  static String reason(Throwable e) {
    String all = "";
    boolean tls = false;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CertificateExpiredException) return "certificate expired (" + t.getMessage() + ")";
      if (t instanceof javax.net.ssl.SSLException || t instanceof CertificateException) tls = true;
      String m = String.valueOf(t.getMessage());
      if (m.contains("wrong identity")) return m.substring(m.indexOf("wrong identity"));
      all += " " + m;
    }
    String m = all.toLowerCase(Locale.ROOT);
    if (m.contains("expired") || m.contains("validity check failed")) return "certificate expired";
    if (m.contains("pkix path building failed") || m.contains("unable to find valid certification path")) {
      return "unknown CA (the node's certificate is not signed by a trusted CA)";
    }
    if (m.contains("bad_certificate") || m.contains("certificate_required") || m.contains("certificate_unknown")
        || m.contains("unknown_ca") || m.contains("certificate_expired")) {
      return "the node refused the gateway's certificate (" + all.strip() + ")";
    }
    return tls ? "TLS handshake failed (" + all.strip() + ")" : null;
  }

  private static X509TrustManager pki(List<String> caFiles) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFiles.isEmpty()) {
        tmf.init((KeyStore) null);
      } else {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (String f : caFiles) {
          try (InputStream in = Files.newInputStream(Path.of(f))) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
              ks.setCertificateEntry("ca-" + i++, c);
            }
          }
        }
        tmf.init(ks);
      }
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) return x;
      }
      throw new IllegalStateException("no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("remote.ca " + caFiles + ": " + e.getMessage(), e);
    }
  }

  /** The pinned CAs' verdict, then the node's identity among its certificate's SANs. */
  private record Pinned(X509TrustManager pki, String identity) implements X509TrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      pki.checkServerTrusted(chain, authType);
      if (identity == null) return;
      List<String> sans = sans(chain[0]);
      if (!sans.contains(identity)) {
        throw new CertificateException("wrong identity: the node's certificate names " + sans + ", expected " + identity);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      pki.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pki.getAcceptedIssuers();
    }
  }

  /** The DNS, IP and URI subject alternative names of a certificate. */
  static List<String> sans(X509Certificate c) throws CertificateException {
    List<String> out = new ArrayList<>();
    var all = c.getSubjectAlternativeNames();
    if (all == null) return out;
    for (List<?> san : all) {
      if (Set.of(2, 6, 7).contains((Integer) san.get(0))) out.add(String.valueOf(san.get(1)));
    }
    return out;
  }
}
