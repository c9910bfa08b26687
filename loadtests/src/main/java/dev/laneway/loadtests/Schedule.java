package dev.laneway.loadtests;

import java.util.SplittableRandom;

/**
 * When the open loop sends: the gap before each next arrival, constant ({@code 1/rate}) or Poisson (exponential gaps
 * with mean {@code 1/rate}, seeded so runs are repeatable). Owned by the scheduler thread; not thread-safe.
 */
public final class Schedule {
  private final double meanGapNanos;
  private final SplittableRandom random;

  private Schedule(double ratePerSecond, SplittableRandom random) {
    if (!(ratePerSecond > 0)) throw new IllegalArgumentException("rate: " + ratePerSecond + " (expected: > 0 per second)");
    this.meanGapNanos = 1e9 / ratePerSecond;
    this.random = random;
  }

  public static Schedule constant(double ratePerSecond) {
    return new Schedule(ratePerSecond, null);
  }

  public static Schedule poisson(double ratePerSecond, long seed) {
    return new Schedule(ratePerSecond, new SplittableRandom(seed));
  }

  /** Nanoseconds from one intended send to the next. */
  public long nextGapNanos() {
    if (random == null) return Math.round(meanGapNanos);
    double u = random.nextDouble(); // [0, 1): 1 - u is in (0, 1]
    return Math.round(-Math.log(1.0 - u) * meanGapNanos);
  }
}
