package dev.laneway.gateway;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Certificates made for a test, never committed: a CA, and leaves it signs (server or client) with the SANs asked
 * for, valid from an hour ago for a day unless said otherwise (an expired one ended an hour ago). EC P-256 keys,
 * PKCS#8 PEM files as {@code openssl req -newkey} writes them.
 *
 * <pre>{@code
 * TestCerts.Ca ca = TestCerts.ca("test CA");
 * TestCerts.Pair server = ca.leaf("localhost", List.of("localhost", "127.0.0.1"), dir, "server");
 * SSLContext client = ca.trustingContext();
 * }</pre>
 */
final class TestCerts {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  private TestCerts() {}

  /** A leaf's files and certificate. */
  record Pair(Path cert, Path key, X509Certificate certificate) {}

  /** A certificate authority: its certificate and key. */
  record Ca(String name, X509Certificate certificate, KeyPair keys) {
    /**
     * A leaf valid now for a day: its subject is {@code CN=cn}, or {@code cn} itself when it holds an {@code =} (the
     * RDNs encoded in the order written, so {@code O=Acme,CN=svc} reads {@code CN=svc,O=Acme} in RFC 2253); SANs are DNS names, IP addresses ({@code 127.0.0.1}) or URIs ({@code spiffe://}). */
    Pair leaf(String cn, List<String> sans, Path dir, String fileName) {
      Instant now = Instant.now();
      return leaf(cn, sans, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), dir, fileName);
    }

    /** A leaf that expired an hour ago. */
    Pair expired(String cn, List<String> sans, Path dir, String fileName) {
      Instant now = Instant.now();
      return leaf(cn, sans, now.minus(Duration.ofDays(2)), now.minus(Duration.ofHours(1)), dir, fileName);
    }

    Pair leaf(String cn, List<String> sans, Instant from, Instant to, Path dir, String fileName) {
      try {
        KeyPair kp = keyPair();
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), serial(), Date.from(from), Date.from(to),
            new X500Name(cn.contains("=") ? cn : "CN=" + cn), kp.getPublic());
        List<GeneralName> names = new ArrayList<>();
        for (String s : sans) {
          if (s.contains("://")) names.add(new GeneralName(GeneralName.uniformResourceIdentifier, s));
          else if (Character.isDigit(s.charAt(0)) || s.contains(":")) names.add(new GeneralName(GeneralName.iPAddress, s));
          else names.add(new GeneralName(GeneralName.dNSName, s));
        }
        if (!names.isEmpty()) {
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate c = new JcaX509CertificateConverter().getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        Path cert = dir.resolve(fileName + ".crt");
        Path key = dir.resolve(fileName + ".key");
        Files.writeString(cert, pem(c));
        Files.writeString(key, pem(new PemObject("PRIVATE KEY", kp.getPrivate().getEncoded())));
        return new Pair(cert, key, c);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** Writes this CA's certificate as PEM ({@code dir/fileName.crt}). */
    Path write(Path dir, String fileName) {
      try {
        Path p = dir.resolve(fileName + ".crt");
        Files.writeString(p, pem(certificate));
        return p;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A client TLS context that trusts this CA only. */
    SSLContext trustingContext() {
      return trustingContext(null);
    }

    /** A client TLS context that trusts this CA only and presents {@code client}'s certificate (null: none). */
    SSLContext trustingContext(Pair client) {
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.KeyManager[] keyManagers = null;
        if (client != null) {
          String pem = Files.readString(client.key()).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
          java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC").generatePrivate(
              new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pem)));
          KeyStore keys = KeyStore.getInstance("PKCS12");
          keys.load(null, null);
          keys.setKeyEntry("client", key, new char[0], new java.security.cert.Certificate[] {client.certificate()});
          var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
          kmf.init(keys, new char[0]);
          keyManagers = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers, tmf.getTrustManagers(), null);
        return ctx;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A new self-signed CA. */
  static Ca ca(String name) {
    try {
      KeyPair kp = keyPair();
      Instant now = Instant.now();
      var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + name),
          kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate c = new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      return new Ca(name, c, kp);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }
}
