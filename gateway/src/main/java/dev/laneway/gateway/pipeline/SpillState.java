package dev.laneway.gateway.pipeline;

import dev.laneway.routing.Decision;
import dev.laneway.routing.Spill;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Which lanes are spilling which latency class: the router's hysteresis state, kept here from the decisions it made
 * (routing stays pure: it reads this through {@code LaneHealth#spilling}). A lane starts spilling a class when a
 * decision moved that class's request off it ({@link Decision#spill()}), and stops when a decision keeps it first.
 * Under a steady overload the two lanes' queues balance around the thresholds and the state changes often; the log
 * says so at most once per {@value #LOG_EVERY_SECONDS} s per lane and class, with how many changes it did not log.
 * Thread-safe; read and written on event loops.
 */
public final class SpillState {
  static final long LOG_EVERY_SECONDS = 10;
  private static final Logger LOG = Logger.getLogger(SpillState.class.getName());
  private final Set<String> spilling = ConcurrentHashMap.newKeySet();
  /** Per lane and class: when a change was last logged (nanos), and changes since. */
  private final java.util.Map<String, long[]> logged = new ConcurrentHashMap<>();

  boolean spilling(String lane, String latencyClass) {
    return spilling.contains(key(lane, latencyClass));
  }

  /** Updates the state from a decision made for {@code latencyClass}. */
  void record(Decision d, String latencyClass) {
    Spill s = d.spill();
    if (s != null) {
      String key = key(s.from(), latencyClass);
      if (spilling.add(key)) {
        log(key, () -> "routing: " + latencyClass + " spills from " + s.from() + " to " + s.to() + ": " + s.reason());
      }
    } else if (!d.candidates().isEmpty()) {
      String first = d.candidates().get(0).lane();
      String key = key(first, latencyClass);
      if (spilling.remove(key)) {
        log(key, () -> "routing: " + latencyClass + " back on " + first + " (estimate "
            + String.format(java.util.Locale.ROOT, "%.1f", d.candidates().get(0).estimateMs()) + " ms)");
      }
    }
  }

  private void log(String key, java.util.function.Supplier<String> line) {
    long now = System.nanoTime();
    long[] last = logged.computeIfAbsent(key, k -> new long[] {now - TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS), 0});
    long unlogged;
    synchronized (last) {
      if (now - last[0] < TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS)) {
        last[1]++;
        return;
      }
      unlogged = last[1];
      last[0] = now;
      last[1] = 0;
    }
    LOG.info(line.get() + (unlogged == 0 ? "" : " (" + unlogged + " changes in the last " + LOG_EVERY_SECONDS
        + " s not logged)"));
  }

  private static String key(String lane, String latencyClass) {
    return lane + '|' + latencyClass;
  }
}
