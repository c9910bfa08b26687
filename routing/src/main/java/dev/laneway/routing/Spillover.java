package dev.laneway.routing;

import dev.laneway.topology.Durations;
import java.time.Duration;

/**
 * When the router moves a request off the policy's preferred lane (the {@code spillover:} key of the policy). Every key
 * may be left out and gets the default shown; see {@link Router} for the rule.
 *
 * @param enabled whether the router spills at all (default true)
 * @param margin also spill when the preferred lane's estimate is more than {@code margin} × the next candidate's plus
 *     {@code min_gain} (default 2.0; at least 1)
 * @param minGain the least gain worth a spill on the margin (default 5ms; at least 0)
 * @param recover hysteresis: while the preferred lane is spilling the class, both thresholds are multiplied by this,
 *     so it takes the lane back only once its estimate is well under them (default 0.5; in (0, 1])
 */
public record Spillover(Boolean enabled, Double margin, Duration minGain, Double recover) {
  public static final Spillover DEFAULT = new Spillover(null, null, null, null);

  public Spillover {
    if (enabled == null) enabled = true;
    if (margin == null) margin = 2.0;
    if (minGain == null) minGain = Duration.ofMillis(5);
    if (recover == null) recover = 0.5;
    if (!(margin >= 1)) throw new IllegalArgumentException("margin: " + margin + " (expected: >= 1)");
    if (minGain.isNegative()) {
      throw new IllegalArgumentException("min_gain: " + Durations.format(minGain) + " (expected: >= 0)");
    }
    if (!(recover > 0 && recover <= 1)) {
      throw new IllegalArgumentException("recover: " + recover + " (expected: > 0 and <= 1)");
    }
  }
}
