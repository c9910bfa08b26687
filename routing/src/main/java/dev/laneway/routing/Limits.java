package dev.laneway.routing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant's limits, as the policy declares them ({@code tenants[].limits}, {@code tenant_defaults.limits}): a request
 * rate, a token rate (each with a burst), and a budget of tokens per calendar period, each optional and each with its
 * own shadow switch. Immutable; checked in the constructor. The gateway enforces them ({@code gateway.tenants}); this
 * record only says what they are.
 *
 * <p>Semantics. Rates are generic cell-rate (GCRA) limits: {@code per_second} sustained, up to {@code burst} at once
 * (default: one second's worth). Tokens are the exact token counts of a request's texts (special tokens included), known
 * before the request enters a lane. The budget is separate from the rates: tokens per UTC calendar {@code day} or
 * {@code month}. A limit with {@code shadow: true} is counted and reported (headers, metrics, explain) but refuses
 * nothing: how a new limit is rolled out.
 *
 * @param requests requests per second, or null for no limit
 * @param tokens tokens per second, or null for no limit
 * @param budget tokens per period, or null for none
 * @param regions how the limits are split between regions: the share ({@code 0 < share <= 1}) each region's gateways
 *     enforce together; empty: each region enforces the whole limit (one region, or one Redis for all)
 * @param models further limits per model name, on top of the tenant's own (their own {@code regions} and
 *     {@code models} must be absent)
 */
public record Limits(Rate requests, Rate tokens, Budget budget, Map<String, Double> regions,
    Map<String, Limits> models) {
  /** No limit at all. */
  public static final Limits NONE = new Limits(null, null, null, null, null);

  public Limits {
    regions = regions == null ? Map.of() : Map.copyOf(regions);
    models = models == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(models));
    double sum = 0;
    for (Map.Entry<String, Double> e : regions.entrySet()) {
      Double s = e.getValue();
      if (s == null || !(s > 0) || s > 1) {
        throw new IllegalArgumentException("regions." + e.getKey() + ": " + s + " (expected: a share > 0 and <= 1)");
      }
      sum += s;
    }
    if (sum > 1 + 1e-9) {
      throw new IllegalArgumentException("regions: the shares add up to " + sum + " (expected: <= 1, or a tenant "
          + "active in several regions gets its limit more than once)");
    }
    for (Map.Entry<String, Limits> e : models.entrySet()) {
      Limits m = e.getValue();
      if (m == null) throw new IllegalArgumentException("models." + e.getKey() + ": missing (expected: limits)");
      if (!m.regions.isEmpty() || !m.models.isEmpty()) {
        throw new IllegalArgumentException("models." + e.getKey() + ": regions and models are set on the tenant's "
            + "limits, not per model");
      }
    }
  }

  /** Whether no limit is set (per-model ones included). */
  public boolean isEmpty() {
    return requests == null && tokens == null && budget == null && models.isEmpty();
  }

  /** Whether any limit counts tokens (so a request's exact token count must be known before it is admitted). */
  public boolean countsTokens() {
    if (tokens != null || budget != null) return true;
    for (Limits m : models.values()) {
      if (m.countsTokens()) return true;
    }
    return false;
  }

  /** These limits, each one left unset taken from {@code defaults} (limit by limit; per-model limits merged). */
  public Limits orElse(Limits defaults) {
    if (defaults == null) return this;
    Map<String, Limits> m = new LinkedHashMap<>(defaults.models);
    m.putAll(models);
    return new Limits(requests != null ? requests : defaults.requests, tokens != null ? tokens : defaults.tokens,
        budget != null ? budget : defaults.budget, regions.isEmpty() ? defaults.regions : regions, m);
  }

  /** The share of the limits the gateways of {@code region} enforce: 1 when no split is declared, 0 if left out. */
  public double regionShare(String region) {
    if (regions.isEmpty()) return 1;
    Double s = regions.get(region);
    return s == null ? 0 : s;
  }

  /**
   * A rate limit.
   *
   * @param perSecond sustained rate, > 0
   * @param burst how many may go at once; null: one second's worth ({@code per_second}, at least 1)
   * @param shadow count and report, refuse nothing
   */
  public record Rate(Double perSecond, Double burst, boolean shadow) {
    public Rate {
      if (perSecond == null) throw new IllegalArgumentException("per_second: missing (expected: a rate > 0)");
      if (!(perSecond > 0) || perSecond.isInfinite()) {
        throw new IllegalArgumentException("per_second: " + perSecond + " (expected: a rate > 0)");
      }
      if (burst == null) burst = Math.max(1, perSecond);
      if (!(burst >= 1) || burst.isInfinite()) {
        throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
      }
    }
  }

  /**
   * A budget of tokens per UTC calendar period.
   *
   * @param tokens tokens per period, > 0
   * @param period {@code day} or {@code month}
   * @param shadow count and report, refuse nothing
   */
  public record Budget(Long tokens, String period, boolean shadow) {
    public Budget {
      if (tokens == null) throw new IllegalArgumentException("tokens: missing (expected: tokens per period, > 0)");
      if (tokens <= 0) throw new IllegalArgumentException("tokens: " + tokens + " (expected: > 0)");
      if (period == null) period = "month";
      if (!period.equals("day") && !period.equals("month")) {
        throw new IllegalArgumentException("period: '" + period + "' (expected: day or month)");
      }
    }
  }
}
