package dev.laneway.lanes;

import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import java.util.List;
import java.util.Objects;

/**
 * One attempt's work for a lane.
 *
 * @param deadlineNanos {@link System#nanoTime()} deadline, {@link Long#MAX_VALUE} for none
 * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
 * @param tenant who the work is for: a local lane shares each class's tokens fairly between tenants by
 *     {@code weight} (see the executor's {@code FairClock}); {@code "anonymous"} (or {@code ""}) when unknown. A remote
 *     lane does not send it: the node sees the gateway as its one caller
 * @param weight the tenant's fair-share weight, {@code > 0} (1 by default)
 */
public record LaneCall(
    ModelSpec model, VariantSpec variant, List<String> texts, long deadlineNanos, String latencyClass, String tenant,
    double weight) {
  /** The tenant of a call that names none. */
  public static final String ANONYMOUS = "anonymous";

  public LaneCall {
    texts = List.copyOf(texts);
    Objects.requireNonNull(tenant, "tenant");
    if (tenant.isEmpty()) tenant = ANONYMOUS;
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0 and finite)");
    }
  }

  /** For the anonymous tenant, weight 1. */
  public LaneCall(ModelSpec model, VariantSpec variant, List<String> texts, long deadlineNanos, String latencyClass) {
    this(model, variant, texts, deadlineNanos, latencyClass, ANONYMOUS, 1.0);
  }
}
