package dev.laneway.gateway.security;

import dev.laneway.routing.RoutingPolicy;
import java.util.List;

/**
 * API keys in clear text in a policy: refused at start and at reload, unless {@code --allow-plaintext-keys true}, which
 * lets them through with a warning (for a first try; the embedded default and the examples hold hashes only).
 *
 * <pre>{@code
 * String why = KeyChecks.refusal(policy, options.allowPlaintextKeys());   // null: fine
 * }</pre>
 */
public final class KeyChecks {
  private KeyChecks() {}

  /** Why {@code policy} may not serve, or null. */
  public static String refusal(RoutingPolicy policy, boolean allowPlaintext) {
    List<String> clear = policy.plaintextKeyTenants();
    if (clear.isEmpty() || allowPlaintext) return null;
    return policy.source() + ": api_keys in clear text for tenants " + clear + " refused (expected: sha256:<hex>, "
        + "as ./laneway keys new TENANT prints; or --allow-plaintext-keys true)";
  }

  /** At start: throws {@link IllegalArgumentException} with {@link #refusal}, or logs {@link #warning} when due. */
  public static void atStart(RoutingPolicy policy, boolean allowPlaintext) {
    String refused = refusal(policy, allowPlaintext);
    if (refused != null) throw new IllegalArgumentException(refused);
    String w = warning(policy);
    if (w != null) java.util.logging.Logger.getLogger(KeyChecks.class.getName()).warning(w);
  }

  /** The warning for a policy served with clear-text keys, or null. */
  public static String warning(RoutingPolicy policy) {
    List<String> clear = policy.plaintextKeyTenants();
    return clear.isEmpty() ? null : policy.source() + ": api_keys in clear text for tenants " + clear
        + " (--allow-plaintext-keys): anyone who reads the file has the keys; hash them with ./laneway keys";
  }
}
