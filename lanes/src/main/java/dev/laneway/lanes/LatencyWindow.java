package dev.laneway.lanes;

import java.util.Arrays;

/**
 * The last {@value #SIZE} latencies of one lane's successful attempts in one latency class, for quantiles such as the
 * delay after which a request is hedged ("The Tail at Scale": hedge after the 95th-percentile expected latency).
 * Thread-safe: {@link #record} by lane threads, {@link #quantileNanos} by dispatch; both hold this object's monitor
 * briefly (a quantile copies and sorts at most {@value #SIZE} longs).
 */
final class LatencyWindow {
  static final int SIZE = 256;
  private final long[] samples = new long[SIZE];
  private int count;
  private int next;

  synchronized void record(long nanos) {
    samples[next] = nanos;
    next = (next + 1) % SIZE;
    if (count < SIZE) count++;
  }

  /** The {@code q} quantile (0..1) of the recorded latencies; -1 before {@code minSamples} were recorded. */
  synchronized long quantileNanos(double q, int minSamples) {
    if (count < Math.max(1, minSamples)) return -1;
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    int i = (int) Math.ceil(q * count) - 1;
    return sorted[Math.max(0, Math.min(count - 1, i))];
  }
}
