package dev.laneway.lanes;

import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One attempt's work for a lane.
 *
 * @param deadlineNanos {@link System#nanoTime()} deadline, {@link Long#MAX_VALUE} for none
 * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
 * @param tenant who the work is for: a local lane shares each class's tokens fairly between tenants by
 *     {@code weight} (see the executor's {@code FairClock}); {@code "anonymous"} (or {@code ""}) when unknown. A remote
 *     lane does not send it: the node sees the gateway as its one caller
 * @param weight the tenant's fair-share weight, {@code > 0} (1 by default)
 * @param completion where the answer's future is completed, so where its continuations run: a gateway passes its
 *     door's event loop (one object per loop: a local lane's executor hands a batch's answers to each loop in one
 *     task). {@link #IN_PLACE} (the default): on the lane's own thread. A remote lane answers on the event loop that
 *     sent the call: the door's when called there
 */
public record LaneCall(
    ModelSpec model, VariantSpec variant, List<String> texts, long deadlineNanos, String latencyClass, String tenant,
    double weight, Executor completion) {
  /** The tenant of a call that names none. */
  public static final String ANONYMOUS = "anonymous";
  /** Completes the answer on the thread that has it. */
  public static final Executor IN_PLACE = Runnable::run;

  public LaneCall {
    texts = List.copyOf(texts);
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(completion, "completion");
    if (tenant.isEmpty()) tenant = ANONYMOUS;
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0 and finite)");
    }
  }

  /** Completed in place. */
  public LaneCall(ModelSpec model, VariantSpec variant, List<String> texts, long deadlineNanos, String latencyClass,
      String tenant, double weight) {
    this(model, variant, texts, deadlineNanos, latencyClass, tenant, weight, IN_PLACE);
  }

  /** For the anonymous tenant, weight 1. */
  public LaneCall(ModelSpec model, VariantSpec variant, List<String> texts, long deadlineNanos, String latencyClass) {
    this(model, variant, texts, deadlineNanos, latencyClass, ANONYMOUS, 1.0);
  }
}
