package dev.laneway.routing;

import java.util.Map;

/**
 * What a rule matches; a missing field matches anything. Values are exact (the model's name, the variant, the latency
 * class, the client's region, the tenant's id); {@code headers} are lower-case names with exact values.
 */
public record Match(
    String model, String version, String latencyClass, String clientRegion, String tenant, Map<String, String> headers) {
  public static final Match ANY = new Match(null, null, null, null, null, Map.of());

  public Match {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    for (String h : headers.keySet()) {
      if (!h.equals(h.toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException("headers: '" + h + "' (expected: a lower-case header name)");
      }
    }
  }

  /** Whether the request has every attribute this match names. {@code variant} is the resolved variant. */
  public boolean matches(RouteRequest r, String variant) {
    return eq(model, r.model())
        && eq(version, variant)
        && eq(latencyClass, r.latencyClass())
        && eq(clientRegion, r.clientRegion())
        && eq(tenant, r.tenant())
        && headers.entrySet().stream().allMatch(e -> e.getValue().equals(r.headers().get(e.getKey())));
  }

  private static boolean eq(String want, String have) {
    return want == null || want.equals("*") || want.equals(have);
  }
}
