package dev.laneway.lanes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Random;
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

  /**
   * One device's injected output and memory faults, the failure modes of the NPU article (F2 thermal throttling, F3
   * quantization drift, F4 memory exhaustion, F8 firmware bugs with sporadic wrong outputs).
   *
   * @param corrupt noise added to every answer's vectors, then renormalised: each component gets Gaussian noise of
   *     standard deviation {@code corrupt / sqrt(dimension)}, so a vector's cosine to its true value is about
   *     {@code 1 / sqrt(1 + corrupt^2)} (0.5: 0.89); 0 for none
   * @param nanRate the fraction of answers in which one vector gets a NaN (every other one an infinity): 0..1
   * @param throttlePerInFlight latency added per request inside the lane when a call arrives (thermal throttling: the
   *     tail grows with load); zero for none
   * @param oomAbove batches of more rows than this fail to allocate on the device (the executor splits them); 0: none
   */
  public record OutputFault(double corrupt, double nanRate, Duration throttlePerInFlight, int oomAbove) {
    public static final OutputFault NONE = new OutputFault(0, 0, Duration.ZERO, 0);

    public OutputFault {
      if (!(corrupt >= 0) || Double.isInfinite(corrupt)) {
        throw new IllegalArgumentException("corrupt: " + corrupt + " (expected: >= 0)");
      }
      if (!(nanRate >= 0 && nanRate <= 1)) throw new IllegalArgumentException("nan_rate: " + nanRate + " (expected: 0..1)");
      if (throttlePerInFlight == null || throttlePerInFlight.isNegative()) {
        throw new IllegalArgumentException("throttle_per_in_flight: " + throttlePerInFlight + " (expected: >= 0)");
      }
      if (oomAbove < 0) throw new IllegalArgumentException("oom_above: " + oomAbove + " (expected: >= 0)");
    }
  }

  private final Map<String, Fault> faults = new ConcurrentHashMap<>();
  private final Map<String, OutputFault> outputs = new ConcurrentHashMap<>();
  /** Draws for nan and corrupt; {@link #seed} makes them repeatable (a test's). */
  private volatile Random random = new Random();

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

  /** The device's output and memory faults ({@link OutputFault#NONE} when none). */
  public OutputFault output(String device) {
    return outputs.getOrDefault(device, OutputFault.NONE);
  }

  /** Replaces the device's output and memory faults ({@link OutputFault#NONE} clears them). */
  public void setOutput(String device, OutputFault fault) {
    if (fault.equals(OutputFault.NONE)) outputs.remove(device);
    else outputs.put(device, fault);
  }

  /** Seeds the draws of the nan and corrupt faults, so a test's sequence of bad answers repeats. */
  public void seed(long seed) {
    random = new Random(seed);
  }

  /** The most rows a batch on this device may hold before allocation fails; {@link Integer#MAX_VALUE}: no limit. */
  public int maxRows(String device) {
    int above = output(device).oomAbove();
    return above == 0 ? Integer.MAX_VALUE : above;
  }

  /**
   * The answer as the device's injected output faults make it: the vectors perturbed ({@code corrupt}) or one of them
   * made non-finite ({@code nan_rate}); the same result when the device has none. Copies what it changes.
   */
  LaneResult perturb(List<String> devices, LaneResult r) {
    double corrupt = 0;
    double nan = 0;
    for (String d : devices) {
      OutputFault f = output(d);
      corrupt = Math.max(corrupt, f.corrupt());
      nan = Math.max(nan, f.nanRate());
    }
    if (corrupt == 0 && nan == 0) return r;
    Random rnd = random;
    float[][] v = new float[r.vectors().length][];
    for (int i = 0; i < v.length; i++) v[i] = r.vectors()[i].clone();
    if (corrupt > 0) {
      for (float[] x : v) {
        double sd = corrupt / Math.sqrt(x.length);
        double norm = 0;
        for (int j = 0; j < x.length; j++) {
          x[j] += (float) (rnd.nextGaussian() * sd);
          norm += x[j] * x[j];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int j = 0; j < x.length; j++) x[j] *= inv;
      }
    }
    if (nan > 0 && v.length > 0 && rnd.nextDouble() < nan) {
      float[] x = v[rnd.nextInt(v.length)];
      if (x.length > 0) x[rnd.nextInt(x.length)] = rnd.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
    }
    return new LaneResult(v, r.tokenCounts(), r.lane(), r.region(), r.device(), r.provider(), r.standIn(), r.variant(),
        r.queueNanos(), r.computeNanos(), r.expectedComputeNanos());
  }
}
