package dev.laneway.lanes;

import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Which answers a shadow check samples: each with probability {@code rate}, at most {@code perMinute} in any minute
 * (a fixed window of the injected clock, reset every 60 s). Thread-safe.
 */
final class ShadowSampler {
  private static final long MINUTE = 60_000_000_000L;

  private final double rate;
  private final int perMinute;
  private final LongSupplier nanos;
  private final Random random;
  private long windowStart;
  private int taken;

  /** @param nanos the clock ({@link System#nanoTime} outside tests) */
  ShadowSampler(double rate, int perMinute, LongSupplier nanos, Random random) {
    this.rate = rate;
    this.perMinute = perMinute;
    this.nanos = nanos;
    this.random = random;
    this.windowStart = nanos.getAsLong();
  }

  /** Whether this answer is sampled: drawn at the rate, then within the minute's cap. */
  boolean take() {
    if (rate <= 0 || perMinute <= 0) return false;
    if (rate < 1 && random.nextDouble() >= rate) return false;
    long now = nanos.getAsLong();
    synchronized (this) {
      if (now - windowStart >= MINUTE) {
        windowStart = now;
        taken = 0;
      }
      if (taken >= perMinute) return false;
      taken++;
      return true;
    }
  }
}
