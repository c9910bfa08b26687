package dev.laneway.gateway.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A certificate chain and its private key, read from PEM files and checked before anything serves them: the chain
 * parses (the leaf first), the key is PKCS#8 ({@code BEGIN PRIVATE KEY}, what {@code openssl req -newkey} and
 * {@code openssl genpkey} write) and matches the leaf (it signs, the leaf's public key verifies), and the leaf is valid
 * now. The bytes kept are the bytes checked, so a file replaced between the check and the swap cannot slip through.
 *
 * <pre>{@code
 * ServerCertificate c = ServerCertificate.load(Path.of("server.crt"), Path.of("server.key"), Instant.now());
 * c.expiresIn(now)   // seconds to notAfter
 * }</pre>
 *
 * @param chain the certificates, leaf first
 * @param certPem the chain file's bytes
 * @param keyPem the key file's bytes
 */
public record ServerCertificate(List<X509Certificate> chain, byte[] certPem, byte[] keyPem) {
  public ServerCertificate {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) throw new IllegalArgumentException("chain: empty");
  }

  /** Why a certificate was refused: one line, naming the file. */
  public static final class Refused extends IllegalArgumentException {
    public Refused(String message) {
      super(message, null);
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** Seconds from {@code now} to the leaf's notAfter (negative once expired). */
  public long expiresIn(Instant now) {
    return leaf().getNotAfter().toInstant().getEpochSecond() - now.getEpochSecond();
  }

  /** The leaf's subject and expiry, for logs. */
  public String describe() {
    return leaf().getSubjectX500Principal().getName() + ", expires " + leaf().getNotAfter().toInstant();
  }

  /** Reads and checks the pair; throws {@link Refused} with one line that says what is wrong. */
  public static ServerCertificate load(Path certFile, Path keyFile, Instant now) {
    byte[] cert = read(certFile);
    byte[] key = read(keyFile);
    return of(cert, key, certFile + " / " + keyFile, now);
  }

  /** Checks PEM bytes; {@code source} names them in the message of a {@link Refused}. */
  public static ServerCertificate of(byte[] certPem, byte[] keyPem, String source, Instant now) {
    List<X509Certificate> chain = parseChain(certPem, source);
    PrivateKey key = parseKey(keyPem, source);
    X509Certificate leaf = chain.get(0);
    if (!matches(key, leaf)) {
      throw new Refused(source + ": the key does not match the certificate " + leaf.getSubjectX500Principal().getName());
    }
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new Refused(source + ": certificate expired at " + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new Refused(source + ": certificate not valid before " + leaf.getNotBefore().toInstant());
    }
    return new ServerCertificate(chain, certPem, keyPem);
  }

  /** The X.509 certificates in PEM bytes, in order; {@link Refused} when there are none or one does not parse. */
  public static List<X509Certificate> parseChain(byte[] pem, String source) {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) throw new Refused(source + ": no certificate (expected: PEM, BEGIN CERTIFICATE)");
      return out;
    } catch (GeneralSecurityException e) {
      throw new Refused(source + ": not a PEM certificate chain (" + e.getMessage() + ")");
    }
  }

  private static PrivateKey parseKey(byte[] pem, String source) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    int from = text.indexOf(begin);
    int to = text.indexOf("-----END PRIVATE KEY-----");
    if (from < 0 || to < from) {
      throw new Refused(source + ": no PKCS#8 private key (expected: BEGIN PRIVATE KEY; convert with "
          + "openssl pkcs8 -topk8 -nocrypt)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new Refused(source + ": the private key is not valid base64");
    }
    for (String alg : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new Refused(source + ": the private key does not parse (expected: RSA, EC or Ed25519, unencrypted)");
  }

  private static boolean matches(PrivateKey key, X509Certificate leaf) {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new Refused(file + ": cannot read (" + e.getMessage() + ")");
    }
  }
}
