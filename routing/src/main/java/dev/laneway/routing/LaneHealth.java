package dev.laneway.routing;

/** What routing needs to know about lanes at decision time, supplied by the gateway from the lanes module. */
@FunctionalInterface
public interface LaneHealth {
  LaneHealth ALL_UP = lane -> null;

  /** Why the lane cannot take work now ({@code "breaker open"}, {@code "not ready"}), or null when it can. */
  String unavailableReason(String lane);
}
