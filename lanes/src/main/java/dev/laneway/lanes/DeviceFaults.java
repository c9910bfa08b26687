package dev.laneway.lanes;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Injected device faults: a device taken offline, extra latency, a fraction of calls failing. This is the one thing
 * Laneway mocks, because it cannot be had on a test machine: an NPU or GPU going away. The lane's real executor is
 * untouched; {@link GuardedLane} consults these before handing a call to it, and fails the call as the device would
 * (a {@link LaneException.DeviceFailed}, which the breaker counts).
 *
 * <p>Shared by every lane of a gateway; written by the admin API (event loop), read by lanes from any thread.
 */
public final class DeviceFaults {
  /**
   * One device's injected state.
   *
   * @param latencyRate the fraction of calls that get {@code latency} (1: every call; below 1 makes a tail, as a
   *     device with intermittent stalls has)
   */
  public record Fault(boolean offline, Duration latency, double failureRate, double latencyRate) {
    public static final Fault NONE = new Fault(false, Duration.ZERO, 0, 1);

    public Fault {
      if (latency == null || latency.isNegative()) throw new IllegalArgumentException("latency: " + latency + " (expected: >= 0)");
      if (failureRate < 0 || failureRate > 1) {
        throw new IllegalArgumentException("failure_rate: " + failureRate + " (expected: 0..1)");
      }
      if (latencyRate < 0 || latencyRate > 1) {
        throw new IllegalArgumentException("latency_rate: " + latencyRate + " (expected: 0..1)");
      }
    }

    /** The latency a call gets now: {@code latency} with probability {@code latencyRate}, else none. */
    Duration latencyNow() {
      if (latency.isZero() || latencyRate <= 0) return Duration.ZERO;
      return latencyRate >= 1 || ThreadLocalRandom.current().nextDouble() < latencyRate ? latency : Duration.ZERO;
    }

    /** The injected latency a call gets on average, in nanoseconds. */
    long expectedLatencyNanos() {
      return (long) (latency.toNanos() * latencyRate);
    }
  }

  private final Map<String, Fault> faults = new ConcurrentHashMap<>();

  public Fault get(String device) {
    return faults.getOrDefault(device, Fault.NONE);
  }

  public void setOffline(String device, boolean offline) {
    faults.compute(device, (d, f) -> {
      Fault cur = f == null ? Fault.NONE : f;
      return new Fault(offline, cur.latency(), cur.failureRate(), cur.latencyRate());
    });
  }

  /** Sets latency and failure rate (either may be null: unchanged); {@code clear} resets both first. */
  public void setFault(String device, Duration latency, Double failureRate, boolean clear) {
    setFault(device, latency, failureRate, null, clear);
  }

  /**
   * Sets latency, failure rate and the fraction of calls the latency hits (any may be null: unchanged); {@code clear}
   * resets them first (no latency, no failures, latency rate 1).
   */
  public void setFault(String device, Duration latency, Double failureRate, Double latencyRate, boolean clear) {
    faults.compute(device, (d, f) -> {
      Fault cur = f == null || clear ? new Fault(f != null && f.offline(), Duration.ZERO, 0, 1) : f;
      return new Fault(cur.offline(), latency == null ? cur.latency() : latency,
          failureRate == null ? cur.failureRate() : failureRate,
          latencyRate == null ? cur.latencyRate() : latencyRate);
    });
  }

  /** Whether an injected failure hits this call on the device. */
  boolean failsNow(String device) {
    double rate = get(device).failureRate();
    return rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
  }
}
