package dev.laneway.topology;

import java.time.Duration;

/**
 * A lane's circuit breaker (Resilience4j's count-based window), as the {@code breaker:} key of a lane. The defaults
 * open a breaker within about a second under moderate load: half of the last 10 calls (at least 5) failed or were
 * slow. Only what the device did counts (see the lanes module's {@code GuardedLane}): failed executions, a device
 * offline, an unreachable node, and executions that overran; never load the lane shed, deadlines that expired while
 * queued, cancels or bad input.
 *
 * @param window calls in the sliding window
 * @param minimumCalls calls before the failure rate is computed
 * @param failureRate percent of failed calls that opens the breaker (1..100)
 * @param slowCall an execution (compute time, not time queued) longer than this counts as slow, whatever its shape
 *     (default 1s)
 * @param slowCallRate percent of slow calls that opens the breaker (1..100)
 * @param waitInOpen how long an open breaker refuses before letting half-open probes through
 * @param halfOpenCalls probes in half-open; they decide between closed and open again
 * @param overrunFactor an execution longer than this many times the lane's expected compute time for its batch shape
 *     counts as slow, when that is longer than {@code slowCall} (the floor): the device itself, not its queue, was
 *     far slower than it has been (default 10; >= 1)
 */
public record BreakerSpec(
    int window, int minimumCalls, int failureRate, Duration slowCall, int slowCallRate, Duration waitInOpen,
    int halfOpenCalls,
    double overrunFactor) {
  public static final BreakerSpec DEFAULT =
      new BreakerSpec(10, 5, 50, Duration.ofSeconds(1), 80, Duration.ofSeconds(1), 3, 10);

  public BreakerSpec {
    if (window == 0) window = DEFAULT.window;
    if (minimumCalls == 0) minimumCalls = Math.min(DEFAULT.minimumCalls, window);
    if (failureRate == 0) failureRate = DEFAULT.failureRate;
    if (slowCall == null) slowCall = DEFAULT.slowCall;
    if (slowCallRate == 0) slowCallRate = DEFAULT.slowCallRate;
    if (waitInOpen == null) waitInOpen = DEFAULT.waitInOpen;
    if (halfOpenCalls == 0) halfOpenCalls = DEFAULT.halfOpenCalls;
    if (overrunFactor == 0) overrunFactor = DEFAULT.overrunFactor;
    Checks.atLeast("window", window, 1);
    Checks.atLeast("minimum_calls", minimumCalls, 1);
    percent("failure_rate", failureRate);
    percent("slow_call_rate", slowCallRate);
    Checks.atLeast("half_open_calls", halfOpenCalls, 1);
    if (!(overrunFactor >= 1)) {
      throw new IllegalArgumentException("overrun_factor: " + overrunFactor + " (expected: >= 1)");
    }
    if (slowCall.isNegative() || slowCall.isZero()) {
      throw new IllegalArgumentException("slow_call: " + Durations.format(slowCall) + " (expected: > 0)");
    }
    if (waitInOpen.isNegative() || waitInOpen.isZero()) {
      throw new IllegalArgumentException("wait_in_open: " + Durations.format(waitInOpen) + " (expected: > 0)");
    }
  }

  /** Without {@code overrun_factor} (its default). */
  public BreakerSpec(int window, int minimumCalls, int failureRate, Duration slowCall, int slowCallRate,
      Duration waitInOpen, int halfOpenCalls) {
    this(window, minimumCalls, failureRate, slowCall, slowCallRate, waitInOpen, halfOpenCalls, 0);
  }

  /**
   * Whether an execution that took {@code computeNanos}, where the lane expected {@code expectedNanos} for that batch
   * shape (0: unknown), overran: it took longer than {@code slow_call} and longer than {@code overrun_factor} × the
   * expectation. The one statement of the rule, for the breaker and its tests.
   */
  public boolean overran(long computeNanos, long expectedNanos) {
    long bound = slowCall.toNanos();
    if (expectedNanos > 0) bound = Math.max(bound, (long) Math.min(Long.MAX_VALUE / 2.0, overrunFactor * expectedNanos));
    return computeNanos > bound;
  }

  private static void percent(String field, int v) {
    if (v < 1 || v > 100) throw new IllegalArgumentException(field + ": " + v + " (expected: 1..100, percent)");
  }
}
