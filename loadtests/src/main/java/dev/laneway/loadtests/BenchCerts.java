package dev.laneway.loadtests;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Throwaway certificates for a bench's child processes, EC P-256 (as the README's {@code openssl} lines make), valid
 * for a day, PEM chains and PKCS#8 keys written where the bench writes its report. {@link #create}: a self-signed
 * server certificate for {@code localhost} and {@code 127.0.0.1} and a client context that trusts it (the clients
 * check the name as usual). {@link #link}: a CA and the node's and the gateway's certificates for a mutual TLS link
 * between regions.
 *
 * <pre>{@code
 * BenchCerts c = BenchCerts.create(dir);
 * gateway args: --tls-cert c.cert() --tls-key c.key();  clients trust c.cert()
 * }</pre>
 *
 * @param cert the certificate's PEM file (also the clients' trust anchor)
 * @param key its PKCS#8 PEM key
 * @param context a client TLS context trusting it only
 */
record BenchCerts(Path cert, Path key, SSLContext context) {
  /** A self-signed server certificate for {@code localhost} and {@code 127.0.0.1}, in {@code dir}. */
  static BenchCerts create(Path dir) {
    try {
      KeyPair kp = keyPair();
      X500Name name = new X500Name("CN=laneway bench");
      X509Certificate c = issue(name, kp, name, kp.getPrivate(), false, new GeneralName(GeneralName.dNSName,
          "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      Files.createDirectories(dir);
      Path cert = Files.writeString(dir.resolve("bench-tls.crt"), pem(c));
      Path key = Files.writeString(dir.resolve("bench-tls.key"), keyPem(kp));
      return new BenchCerts(cert, key, context(c, null, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot make the bench's test certificate: " + e, e);
    }
  }

  /**
   * A regions CA and the two ends of a mutual TLS link it signs, in {@code dir}: the node's certificate
   * ({@code spiffe://laneway/node/intl}, {@code 127.0.0.1}) and the gateway's ({@code spiffe://laneway/gateway/hk}).
   *
   * @param gatewayContext a client context trusting the CA and presenting the gateway's certificate
   */
  record Link(Path ca, Path nodeCert, Path nodeKey, Path gatewayCert, Path gatewayKey, SSLContext gatewayContext) {
    static final String NODE_ID = "spiffe://laneway/node/intl";
    static final String GATEWAY_ID = "spiffe://laneway/gateway/hk";
  }

  static Link link(Path dir) {
    try {
      KeyPair caKeys = keyPair();
      X500Name caName = new X500Name("CN=laneway bench regions CA");
      X509Certificate ca = issue(caName, caKeys, caName, caKeys.getPrivate(), true);
      KeyPair nodeKeys = keyPair();
      X509Certificate node = issue(new X500Name("CN=intl-node"), nodeKeys, caName, caKeys.getPrivate(), false,
          new GeneralName(GeneralName.uniformResourceIdentifier, Link.NODE_ID),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      KeyPair gwKeys = keyPair();
      X509Certificate gw = issue(new X500Name("CN=hk-gateway"), gwKeys, caName, caKeys.getPrivate(), false,
          new GeneralName(GeneralName.uniformResourceIdentifier, Link.GATEWAY_ID));
      Files.createDirectories(dir);
      return new Link(Files.writeString(dir.resolve("regions-ca.crt"), pem(ca)),
          Files.writeString(dir.resolve("node.crt"), pem(node)), Files.writeString(dir.resolve("node.key"),
              keyPem(nodeKeys)), Files.writeString(dir.resolve("gateway.crt"), pem(gw)),
          Files.writeString(dir.resolve("gateway.key"), keyPem(gwKeys)), context(ca, gw, gwKeys));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot make the bench's regions certificates: " + e, e);
    }
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static X509Certificate issue(X500Name subject, KeyPair kp, X500Name issuer, PrivateKey signer, boolean ca,
      GeneralName... sans) throws Exception {
    Instant now = Instant.now();
    var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, kp.getPublic());
    if (sans.length > 0) b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static final java.util.concurrent.atomic.AtomicLong SERIAL =
      new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());

  /** A client context trusting {@code trusted}, presenting {@code cert} with {@code keys} (null: none). */
  private static SSLContext context(X509Certificate trusted, X509Certificate cert, KeyPair keys) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("trusted", trusted);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    KeyManager[] km = null;
    if (cert != null) {
      KeyStore own = KeyStore.getInstance("PKCS12");
      own.load(null, null);
      own.setKeyEntry("client", keys.getPrivate(), new char[0], new java.security.cert.Certificate[] {cert});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(own, new char[0]);
      km = kmf.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(km, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String keyPem(KeyPair kp) throws IOException {
    return pem(new PemObject("PRIVATE KEY", kp.getPrivate().getEncoded()));
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }
}
