package dev.laneway.routing;

/**
 * What routing needs to know about lanes at decision time, supplied by the gateway from the lanes module (routing does
 * not depend on lanes). Read from any thread; answers may change between calls.
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

  /** The lane's observed latency (EWMA), in milliseconds; 0 when unknown. */
  default double expectedLatencyMs(String lane) {
    return 0;
  }
}
