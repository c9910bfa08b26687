package dev.laneway.routing;

import dev.laneway.topology.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The routing policy: tenants, ordered rules, latency budgets, spillover and hedging. Immutable; checked as a whole in
 * the constructor (unique names and keys, {@code then} references resolve, no {@code then} cycles, budgets of known
 * latency classes). References to the topology (lane ids, regions) are checked by {@link PolicyLoader#check}. The
 * gateway holds one in an {@code AtomicReference} and swaps it whole on reload.
 *
 * @param requireApiKey when true, a request without a known {@code x-api-key} is refused with 401
 * @param latencyBudgets per latency class, the estimate above which the router spills off the preferred lane; a class
 *     left out gets its default ({@link #DEFAULT_LATENCY_BUDGETS}); every budget > 0
 * @param spillover when the router spills (default {@link Spillover#DEFAULT})
 * @param hedging hedged requests, executed by the gateway (default {@link Hedging#DEFAULT}: off)
 * @param tenantDefaults the weight and limits of every tenant that sets none of its own, the anonymous one included
 * @param source where it came from, for messages
 */
public record RoutingPolicy(
    boolean requireApiKey, List<Tenant> tenants, List<Rule> rules, Map<String, Duration> latencyBudgets,
    Spillover spillover, Hedging hedging, TenantDefaults tenantDefaults, String source) {
  /** The latency classes, most urgent first. */
  public static final List<String> LATENCY_CLASSES = List.of("interactive", "standard", "batch");

  /** {@code latency_budgets} when absent: interactive 50ms, standard 500ms, batch 30s. */
  public static final Map<String, Duration> DEFAULT_LATENCY_BUDGETS = ordered(Map.of(
      "interactive", Duration.ofMillis(50), "standard", Duration.ofMillis(500), "batch", Duration.ofSeconds(30)));

  public RoutingPolicy {
    if (tenantDefaults == null) tenantDefaults = TenantDefaults.NONE;
    TenantDefaults defaults = tenantDefaults;
    // each tenant as it is enforced: what it leaves unset comes from the defaults
    tenants = tenants == null ? List.of() : tenants.stream().map(t -> t.effective(defaults)).toList();
    rules = rules == null ? List.of() : List.copyOf(rules);
    latencyBudgets = budgets(latencyBudgets);
    if (spillover == null) spillover = Spillover.DEFAULT;
    if (hedging == null) hedging = Hedging.DEFAULT;
    if (source == null) source = "policy";
    if (rules.isEmpty()) throw new IllegalArgumentException("rules: empty (expected: at least one rule)");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      if (!names.add(rules.get(i).name())) {
        throw new IllegalArgumentException("rules[" + i + "].name: '" + rules.get(i).name() + "' declared twice");
      }
    }
    Set<String> ids = new HashSet<>();
    Set<String> keys = new HashSet<>();
    Set<String> identities = new HashSet<>();
    for (int i = 0; i < tenants.size(); i++) {
      Tenant t = tenants.get(i);
      if (!ids.add(t.id())) throw new IllegalArgumentException("tenants[" + i + "].id: '" + t.id() + "' declared twice");
      for (String k : t.apiKeys()) {
        if (!keys.add(java.util.HexFormat.of().formatHex(ApiKeys.entryDigest(k)))) throw new IllegalArgumentException("tenants[" + i + "].api_keys: a key is given to two tenants");
      }
      for (String c : t.clientCertificates()) {
        if (!identities.add(CertificateIdentity.check(c))) {
          throw new IllegalArgumentException("tenants[" + i + "].client_certificates: '" + c
              + "' is given to two tenants");
        }
      }
      for (String c : t.classes()) {
        if (!LATENCY_CLASSES.contains(c)) {
          throw new IllegalArgumentException("tenants[" + i + "].classes: unknown latency class '" + c
              + "' (expected: " + String.join(", ", LATENCY_CLASSES) + ")");
        }
      }
    }
    for (int i = 0; i < rules.size(); i++) {
      Rule r = rules.get(i);
      if (r.then() != null && !names.contains(r.then())) {
        throw new IllegalArgumentException("rules[" + i + "].then: unknown rule '" + r.then() + "' (expected one of: "
            + String.join(", ", names.stream().sorted().toList()) + ")");
      }
    }
    Map<String, Rule> byName = new HashMap<>();
    rules.forEach(r -> byName.put(r.name(), r));
    for (int i = 0; i < rules.size(); i++) {
      LinkedHashSet<String> chain = new LinkedHashSet<>();
      Rule r = rules.get(i);
      while (r != null) {
        if (!chain.add(r.name())) {
          throw new IllegalArgumentException("rules[" + i + "].then: cycle " + String.join(" -> ", chain) + " -> " + r.name());
        }
        r = r.then() == null ? null : byName.get(r.then());
      }
    }
  }

  /** Tenants and rules; default latency budgets, spillover and hedging. */
  public RoutingPolicy(boolean requireApiKey, List<Tenant> tenants, List<Rule> rules, String source) {
    this(requireApiKey, tenants, rules, null, null, null, null, source);
  }

  /** Without tenant defaults. */
  public RoutingPolicy(boolean requireApiKey, List<Tenant> tenants, List<Rule> rules, Map<String, Duration> latencyBudgets,
      Spillover spillover, Hedging hedging, String source) {
    this(requireApiKey, tenants, rules, latencyBudgets, spillover, hedging, null, source);
  }

  /** The budget of a latency class; a class the policy does not know gets the {@code standard} budget. */
  public Duration latencyBudget(String latencyClass) {
    Duration d = latencyBudgets.get(latencyClass);
    return d != null ? d : latencyBudgets.get("standard");
  }

  private static Map<String, Duration> budgets(Map<String, Duration> given) {
    if (given == null) return DEFAULT_LATENCY_BUDGETS;
    Map<String, Duration> out = new HashMap<>(DEFAULT_LATENCY_BUDGETS);
    for (Map.Entry<String, Duration> e : given.entrySet()) {
      String c = e.getKey();
      if (!LATENCY_CLASSES.contains(c)) {
        throw new IllegalArgumentException("latency_budgets: unknown latency class '" + c + "' (expected one of: "
            + String.join(", ", LATENCY_CLASSES) + ")");
      }
      Duration d = e.getValue();
      if (d == null) {
        throw new IllegalArgumentException("latency_budgets." + c + ": missing (expected: a duration > 0)");
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("latency_budgets." + c + ": " + Durations.format(d) + " (expected: > 0)");
      }
      out.put(c, d);
    }
    return ordered(out);
  }

  /** The map in {@link #LATENCY_CLASSES} order (for explain and messages), unmodifiable. */
  private static Map<String, Duration> ordered(Map<String, Duration> byClass) {
    Map<String, Duration> out = new LinkedHashMap<>();
    for (String c : LATENCY_CLASSES) out.put(c, byClass.get(c));
    return Collections.unmodifiableMap(out);
  }

  public Optional<Rule> rule(String name) {
    return rules.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /** The rule and the rules its {@code then} chain follows, in order. */
  public List<Rule> chain(Rule first) {
    List<Rule> out = new ArrayList<>();
    for (Rule r = first; r != null; r = r.then() == null ? null : rule(r.then()).orElse(null)) out.add(r);
    return out;
  }

  /**
   * The tenant an API key names, with the defaults applied. Without a key: the anonymous tenant (which has the
   * defaults' weight and limits), unless keys are required. Throws
   * {@link RoutingException.Unauthorized} for an unknown key, or a missing one when keys are required.
   */
  public Tenant authenticate(String apiKey) {
    if (apiKey == null || apiKey.isEmpty()) {
      if (requireApiKey) throw new RoutingException.Unauthorized("missing x-api-key (the policy requires an API key)");
      return Tenant.ANONYMOUS.effective(tenantDefaults);
    }
    Tenant t = ApiKeys.find(tenants, apiKey);
    if (t == null) throw new RoutingException.Unauthorized("unknown x-api-key");
    return t;
  }

  /** The tenant whose keys hold {@code apiKey} (compared in constant time, {@link ApiKeys#find}), if any. */
  public Optional<Tenant> tenantForKey(String apiKey) {
    return Optional.ofNullable(ApiKeys.find(tenants, apiKey));
  }

  /**
   * The tenant whose {@code client_certificates} name this certificate, if any. Throws
   * {@link RoutingException.Unauthorized} when it names two tenants (say, a URI SAN one's, the subject another's).
   */
  public Optional<Tenant> tenantForCertificate(CertificateIdentity certificate) {
    if (certificate == null) return Optional.empty();
    List<Tenant> named = tenants.stream()
        .filter(t -> t.clientCertificates().stream().anyMatch(certificate::matches)).toList();
    if (named.size() > 1) {
      throw new RoutingException.Unauthorized("the client certificate names two tenants ("
          + named.stream().map(Tenant::id).toList() + ")");
    }
    return named.stream().findFirst();
  }

  /** The ids of the tenants with a key in clear text (not {@code sha256:}) in this policy. */
  public List<String> plaintextKeyTenants() {
    return tenants.stream().filter(t -> t.apiKeys().stream().anyMatch(k -> !ApiKeys.hashed(k))).map(Tenant::id)
        .toList();
  }

  /** The anonymous tenant with the defaults' weight and limits (what a request without a key gets when allowed). */
  public Tenant authenticateAnonymous() {
    return Tenant.ANONYMOUS.effective(tenantDefaults);
  }

  public Optional<Tenant> tenant(String id) {
    return tenants.stream().filter(t -> t.id().equals(id)).findFirst();
  }
}
