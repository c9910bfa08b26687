package dev.laneway.routing;

/**
 * What routing needs to know about lanes at decision time, supplied by the gateway from the lanes module (routing does
 * not depend on lanes). Read from any thread, during {@link Router#decide}; answers may change between calls, so a
 * decision is pure in the answers it got.
 */
@FunctionalInterface
public interface LaneHealth {
  LaneHealth ALL_UP = lane -> null;

  /** Why the lane cannot take work now ({@code "breaker open"}, {@code "not ready"}), or null when it can. */
  String unavailableReason(String lane);

  /** Why the lane refused this variant at admission (unsupported operators, cosine bound), or null when admitted. */
  default String notAdmitted(String lane, String model, String variant) {
    return null;
  }

  /**
   * Why the lane is demoted for this variant (drift: its shadow checks' mean cosine fell below its bound, or its
   * answers failed the output check too often), or null when it is not.
   */
  default String drift(String lane, String model, String variant) {
    return null;
  }

  /** The lane's observed latency (EWMA), in milliseconds; 0 when unknown. */
  default double expectedLatencyMs(String lane) {
    return 0;
  }

  /**
   * The expected time, in milliseconds, for a request of this latency class with this many texts to complete on the
   * lane: the queued work ahead of the class plus one batch's compute, without the network (the router adds the link's
   * round-trip time from the client's region). {@link Double#NaN} when unknown: the router then orders the lane as if
   * its estimate were 0 and never spills on it. The default is {@link #expectedLatencyMs}.
   */
  default double estimateMs(String lane, String latencyClass, int texts) {
    return expectedLatencyMs(lane);
  }

  /**
   * The part of {@link #estimateMs} that is waiting: the work queued (and running) ahead of a request of this latency
   * class, in milliseconds; 0 on an idle lane. {@link Double#NaN} when unknown: the router then takes the whole
   * estimate as waiting. Spillover judges saturation by it, so a lane that is merely slower than the next one (an NPU
   * whose single batch takes longer) keeps the requests its policy gives it while its queue is empty. Default NaN.
   */
  default double waitMs(String lane, String latencyClass) {
    return Double.NaN;
  }

  /**
   * Whether the lane is spilling this latency class: the last decisions for the class moved its requests off the lane.
   * The caller keeps this state from the {@link Decision#spill()}s it saw (routing stays pure); while true, the
   * router scales the spill thresholds by {@link Spillover#recover()} (hysteresis). Default false.
   */
  default boolean spilling(String lane, String latencyClass) {
    return false;
  }
}
