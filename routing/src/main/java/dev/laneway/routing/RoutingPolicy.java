package dev.laneway.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The routing policy: tenants and ordered rules. Immutable; checked as a whole in the constructor (unique names and
 * keys, {@code then} references resolve, no {@code then} cycles). References to the topology (lane ids, regions) are
 * checked by {@link PolicyLoader#check}. The gateway holds one in an {@code AtomicReference} and swaps it whole on
 * reload.
 *
 * @param requireApiKey when true, a request without a known {@code x-api-key} is refused with 401
 * @param source where it came from, for messages
 */
public record RoutingPolicy(boolean requireApiKey, List<Tenant> tenants, List<Rule> rules, String source) {
  public RoutingPolicy {
    tenants = tenants == null ? List.of() : List.copyOf(tenants);
    rules = rules == null ? List.of() : List.copyOf(rules);
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
    for (int i = 0; i < tenants.size(); i++) {
      Tenant t = tenants.get(i);
      if (!ids.add(t.id())) throw new IllegalArgumentException("tenants[" + i + "].id: '" + t.id() + "' declared twice");
      for (String k : t.apiKeys()) {
        if (!keys.add(k)) throw new IllegalArgumentException("tenants[" + i + "].api_keys: a key is given to two tenants");
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
   * The tenant an API key names. Without a key: the anonymous tenant, unless keys are required. Throws
   * {@link RoutingException.Unauthorized} for an unknown key, or a missing one when keys are required.
   */
  public Tenant authenticate(String apiKey) {
    if (apiKey == null || apiKey.isEmpty()) {
      if (requireApiKey) throw new RoutingException.Unauthorized("missing x-api-key (the policy requires an API key)");
      return Tenant.ANONYMOUS;
    }
    for (Tenant t : tenants) {
      if (t.apiKeys().contains(apiKey)) return t;
    }
    throw new RoutingException.Unauthorized("unknown x-api-key");
  }

  public Optional<Tenant> tenant(String id) {
    return tenants.stream().filter(t -> t.id().equals(id)).findFirst();
  }
}
