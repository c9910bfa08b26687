package dev.laneway.topology;

import java.time.Duration;

/**
 * A lane's circuit breaker (Resilience4j's count-based window), as the {@code breaker:} key of a lane. The defaults
 * open a breaker within about a second under moderate load: half of the last 10 calls (at least 5) failed or were
 * slow.
 *
 * @param window calls in the sliding window
 * @param minimumCalls calls before the failure rate is computed
 * @param failureRate percent of failed calls that opens the breaker (1..100)
 * @param slowCall a call slower than this counts as slow
 * @param slowCallRate percent of slow calls that opens the breaker (1..100)
 * @param waitInOpen how long an open breaker refuses before letting half-open probes through
 * @param halfOpenCalls probes in half-open; they decide between closed and open again
 */
public record BreakerSpec(
    int window, int minimumCalls, int failureRate, Duration slowCall, int slowCallRate, Duration waitInOpen,
    int halfOpenCalls) {
  public static final BreakerSpec DEFAULT =
      new BreakerSpec(10, 5, 50, Duration.ofSeconds(2), 80, Duration.ofSeconds(1), 3);

  public BreakerSpec {
    if (window == 0) window = DEFAULT.window;
    if (minimumCalls == 0) minimumCalls = Math.min(DEFAULT.minimumCalls, window);
    if (failureRate == 0) failureRate = DEFAULT.failureRate;
    if (slowCall == null) slowCall = DEFAULT.slowCall;
    if (slowCallRate == 0) slowCallRate = DEFAULT.slowCallRate;
    if (waitInOpen == null) waitInOpen = DEFAULT.waitInOpen;
    if (halfOpenCalls == 0) halfOpenCalls = DEFAULT.halfOpenCalls;
    Checks.atLeast("window", window, 1);
    Checks.atLeast("minimum_calls", minimumCalls, 1);
    percent("failure_rate", failureRate);
    percent("slow_call_rate", slowCallRate);
    Checks.atLeast("half_open_calls", halfOpenCalls, 1);
    if (slowCall.isNegative() || slowCall.isZero()) {
      throw new IllegalArgumentException("slow_call: " + Durations.format(slowCall) + " (expected: > 0)");
    }
    if (waitInOpen.isNegative() || waitInOpen.isZero()) {
      throw new IllegalArgumentException("wait_in_open: " + Durations.format(waitInOpen) + " (expected: > 0)");
    }
  }

  private static void percent(String field, int v) {
    if (v < 1 || v > 100) throw new IllegalArgumentException(field + ": " + v + " (expected: 1..100, percent)");
  }
}
