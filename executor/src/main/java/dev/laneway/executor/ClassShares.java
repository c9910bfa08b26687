package dev.laneway.executor;

import java.util.EnumMap;
import java.util.Map;

/**
 * How a lane's capacity is shared between latency classes: a share of it is kept free for a class and every more
 * urgent one, so that less urgent work can never take what more urgent work needs (Triton's per-priority queue
 * policies; the Inference Extension's priority bands). A request of class {@code c} is admitted while what the lane
 * holds is below {@link #limit(Priority, int)}: capacity × (1 − the shares of the classes more urgent than {@code c}).
 * With the default (interactive 1/8, standard 1/8) batch work fills at most 3/4 of a lane, standard 7/8, interactive
 * all of it. The same shares bound the executor's queue (items) and the lane's in-flight gate (requests).
 *
 * <pre>{@code
 * ClassShares s = ClassShares.of(Map.of(Priority.INTERACTIVE, 0.125, Priority.STANDARD, 0.125));
 * s.limit(Priority.BATCH, 1024);        // 768
 * s.limit(Priority.INTERACTIVE, 1024);  // 1024
 * }</pre>
 *
 * @param reserved per class, the share (0..1) kept for it and every more urgent class; the least urgent class has none
 */
public record ClassShares(Map<Priority, Double> reserved) {
  public static final ClassShares DEFAULT = of(Map.of(Priority.INTERACTIVE, 0.125, Priority.STANDARD, 0.125));

  public ClassShares {
    Map<Priority, Double> m = new EnumMap<>(Priority.class);
    double sum = 0;
    for (Map.Entry<Priority, Double> e : reserved.entrySet()) {
      double v = e.getValue();
      if (!(v >= 0 && v < 1)) {
        throw new IllegalArgumentException("reserved." + e.getKey().wireName() + ": " + v + " (expected: 0 <= share < 1)");
      }
      if (e.getKey() == Priority.lowest() && v > 0) {
        throw new IllegalArgumentException("reserved." + e.getKey().wireName() + ": " + v
            + " (expected: 0, no class is less urgent)");
      }
      sum += v;
      m.put(e.getKey(), v);
    }
    if (sum >= 1) throw new IllegalArgumentException("reserved: shares sum to " + sum + " (expected: < 1)");
    reserved = Map.copyOf(m);
  }

  public static ClassShares of(Map<Priority, Double> reserved) {
    return new ClassShares(reserved);
  }

  /** Nothing reserved: every class may fill the lane. */
  public static ClassShares none() {
    return new ClassShares(Map.of());
  }

  /** How much of {@code capacity} class {@code p} may find held and still be admitted; at least 1. */
  public int limit(Priority p, int capacity) {
    double kept = 0;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) >= 0) break;
      kept += reserved.getOrDefault(q, 0.0);
    }
    return Math.max(1, capacity - (int) Math.ceil(capacity * kept - 1e-9));
  }
}
