package dev.laneway.routing;

import dev.laneway.topology.Durations;
import java.time.Duration;
import java.util.List;

/**
 * Hedged requests (the {@code hedging:} key of the policy): a request of a hedged class whose first lane has not
 * answered after max({@code min_delay}, that lane's recent latency at {@code quantile}) is sent to the next candidate
 * too, while a token bucket allows ({@code budget} credits per eligible request, capped at {@code burst}; a hedge
 * spends one). The gateway executes hedges; routing only owns this configuration. Every key may be left out and gets
 * the default shown.
 *
 * @param enabled whether requests are hedged at all (default false)
 * @param classes the latency classes that are hedged (default {@code [interactive]})
 * @param quantile the first lane's latency quantile after which a hedge is sent (default 0.95; 0.5..0.999)
 * @param minDelay never hedge sooner than this (default 2ms; at least 0)
 * @param budget the share of eligible requests that may be hedged (default 0.05; 0..1)
 * @param burst the token bucket's capacity, in hedges (default 2; at least 1)
 */
public record Hedging(
    Boolean enabled, List<String> classes, Double quantile, Duration minDelay, Double budget, Integer burst) {
  public static final Hedging DEFAULT = new Hedging(null, null, null, null, null, null);

  public Hedging {
    if (enabled == null) enabled = false;
    if (classes == null) classes = List.of("interactive");
    for (String c : classes) {
      if (c == null || !RoutingPolicy.LATENCY_CLASSES.contains(c)) {
        throw new IllegalArgumentException("classes: unknown latency class '" + c + "' (expected one of: "
            + String.join(", ", RoutingPolicy.LATENCY_CLASSES) + ")");
      }
    }
    classes = classes.stream().distinct().toList();
    if (quantile == null) quantile = 0.95;
    if (minDelay == null) minDelay = Duration.ofMillis(2);
    if (budget == null) budget = 0.05;
    if (burst == null) burst = 2;
    if (!(quantile >= 0.5 && quantile <= 0.999)) {
      throw new IllegalArgumentException("quantile: " + quantile + " (expected: 0.5..0.999)");
    }
    if (minDelay.isNegative()) {
      throw new IllegalArgumentException("min_delay: " + Durations.format(minDelay) + " (expected: >= 0)");
    }
    if (!(budget >= 0 && budget <= 1)) throw new IllegalArgumentException("budget: " + budget + " (expected: 0..1)");
    if (burst < 1) throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
  }

  /** Whether requests of this latency class are hedged: enabled, and the class is listed. */
  public boolean hedges(String latencyClass) {
    return enabled && classes.contains(latencyClass);
  }
}
