package dev.laneway.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * API keys as a policy holds them: {@code sha256:<64 hex digits>}, the SHA-256 of the key a client sends (what
 * {@code ./laneway keys new TENANT} prints), so a leaked policy file gives away no key. An entry without that prefix is
 * a key in clear text, which the gateway refuses at load unless {@code --allow-plaintext-keys}.
 *
 * <p>A presented key is hashed once and compared with every entry of every tenant by {@link MessageDigest#isEqual} on
 * 32-byte digests, without stopping at a match: the time taken does not depend on which key matched, or whether one
 * did (see {@link #find}). Keys are high-entropy random strings (32 bytes, base64url), so an unsalted hash is enough;
 * a password would need a slow, salted hash instead.
 *
 * <pre>{@code
 * String key = ApiKeys.generate();          // lw_Q3Jz...: give it to the tenant, once
 * String entry = ApiKeys.sha256(key);       // sha256:9f86...: put it in the policy's api_keys
 * }</pre>
 *
 * Stateless; any thread.
 */
public final class ApiKeys {
  public static final String SHA256 = "sha256:";
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  /** A new key: {@code lw_} and 32 random bytes in base64url. */
  public static String generate() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "lw_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The policy entry for a key: {@code sha256:} and the hex SHA-256 of its UTF-8 bytes. */
  public static String sha256(String key) {
    return SHA256 + HEX.formatHex(digest(key));
  }

  /** Whether a policy entry is a hash (else: a key in clear text). */
  public static boolean hashed(String entry) {
    return entry.startsWith(SHA256);
  }

  /** Checks one policy entry; throws {@link IllegalArgumentException} saying what was expected. */
  static void check(String entry) {
    if (entry == null || entry.isEmpty()) throw new IllegalArgumentException("an empty key");
    if (hashed(entry)) {
      String hex = entry.substring(SHA256.length());
      if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw new IllegalArgumentException("'" + entry + "' (expected: sha256: and 64 hex digits)");
      }
    }
  }

  /** The 32-byte digest an entry stands for (a clear-text entry is hashed here). */
  static byte[] entryDigest(String entry) {
    return hashed(entry) ? HEX.parseHex(entry, SHA256.length(), entry.length()) : digest(entry);
  }

  /**
   * The tenant whose {@code api_keys} hold {@code presented}, or null. Every entry of every tenant is compared (no
   * early exit), each comparison in constant time over 32 bytes.
   */
  static Tenant find(List<Tenant> tenants, String presented) {
    return find(tenants, presented, MessageDigest::isEqual);
  }

  /** {@link #find} with the comparison given (tests count them). */
  static Tenant find(List<Tenant> tenants, String presented, java.util.function.BiPredicate<byte[], byte[]> equal) {
    byte[] d = digest(presented);
    Tenant found = null;
    for (Tenant t : tenants) {
      for (String entry : t.apiKeys()) {
        boolean eq = equal.test(d, entryDigest(entry));
        if (eq && found == null) found = t;
      }
    }
    return found;
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
  }
}
