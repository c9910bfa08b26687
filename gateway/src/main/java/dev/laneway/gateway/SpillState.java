package dev.laneway.gateway;

import dev.laneway.routing.Decision;
import dev.laneway.routing.Spill;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Which lanes are spilling which latency class: the router's hysteresis state, kept here from the decisions it made
 * (routing stays pure: it reads this through {@code LaneHealth#spilling}). A lane starts spilling a class when a
 * decision moved that class's request off it ({@link Decision#spill()}), and stops when a decision keeps it first.
 * Each change is logged once. Thread-safe; read and written on event loops.
 */
final class SpillState {
  private static final Logger LOG = Logger.getLogger(SpillState.class.getName());
  private final Set<String> spilling = ConcurrentHashMap.newKeySet();

  boolean spilling(String lane, String latencyClass) {
    return spilling.contains(key(lane, latencyClass));
  }

  /** Updates the state from a decision made for {@code latencyClass}. */
  void record(Decision d, String latencyClass) {
    Spill s = d.spill();
    if (s != null) {
      if (spilling.add(key(s.from(), latencyClass))) {
        LOG.info("routing: " + latencyClass + " spills from " + s.from() + " to " + s.to() + ": " + s.reason());
      }
    } else if (!d.candidates().isEmpty()) {
      String first = d.candidates().get(0).lane();
      if (spilling.remove(key(first, latencyClass))) {
        LOG.info("routing: " + latencyClass + " back on " + first + " (estimate "
            + String.format(java.util.Locale.ROOT, "%.1f", d.candidates().get(0).estimateMs()) + " ms)");
      }
    }
  }

  private static String key(String lane, String latencyClass) {
    return lane + '|' + latencyClass;
  }
}
