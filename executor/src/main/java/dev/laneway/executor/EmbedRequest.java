package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Objects;

/**
 * Texts to embed with one model variant, on behalf of one tenant.
 *
 * @param modelKey the variant, as {@link ExecutorModel#key()}
 * @param deadlineNanos {@link System#nanoTime()} after which the work is dropped with a deadline error;
 *     {@link Long#MAX_VALUE} for none
 * @param context the submitter's trace context: the {@code tokenize} span is its child, and each {@code batch} span
 *     that serves one of the texts links to its span (and its span links back)
 * @param tenant who the work is for: within a latency class the lane shares its tokens fairly between tenants
 *     (weighted fair queueing, see {@link FairClock}). {@value #ANONYMOUS} (or {@code ""}, taken as it) is the unknown
 *     caller: every unknown caller shares that one tenant's share
 * @param weight the tenant's weight, {@code > 0}: a tenant of weight 3 is served three times the tokens of a tenant of
 *     weight 1 while both have work queued in the class (1 by default)
 */
public record EmbedRequest(
    ModelKey modelKey, List<String> texts, long deadlineNanos, Priority priority, Context context, String tenant,
    double weight) {
  /** The tenant of a request that names none. */
  public static final String ANONYMOUS = "anonymous";

  public EmbedRequest {
    Objects.requireNonNull(modelKey, "modelKey");
    texts = List.copyOf(texts);
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(tenant, "tenant");
    if (texts.isEmpty()) throw new IllegalArgumentException("texts: empty (expected: at least one)");
    if (tenant.isEmpty()) tenant = ANONYMOUS;
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0 and finite)");
    }
  }

  /** For the anonymous tenant, weight 1. */
  public EmbedRequest(ModelKey modelKey, List<String> texts, long deadlineNanos, Priority priority, Context context) {
    this(modelKey, texts, deadlineNanos, priority, context, ANONYMOUS, 1);
  }

  /** With the calling thread's current context, for the anonymous tenant, weight 1. */
  public EmbedRequest(ModelKey modelKey, List<String> texts, long deadlineNanos, Priority priority) {
    this(modelKey, texts, deadlineNanos, priority, Context.current());
  }

  /** With the calling thread's current context, for {@code tenant} with {@code weight}. */
  public EmbedRequest(
      ModelKey modelKey, List<String> texts, long deadlineNanos, Priority priority, String tenant, double weight) {
    this(modelKey, texts, deadlineNanos, priority, Context.current(), tenant, weight);
  }
}
