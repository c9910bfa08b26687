package dev.laneway.gateway.pipeline;

import dev.laneway.routing.RouteRequest;
import dev.laneway.routing.Router;
import dev.laneway.routing.Tenant;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One request on its way through the pipeline: decoded, authenticated, with its deadline and class, on the routing
 * snapshot it captured when it was made.
 *
 * @param door the door it came through (metrics)
 * @param id the client's request id, echoed (may be null)
 * @param version the requested model version (a variant name), or null for the default
 * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
 * @param clientRegion where the caller is, resolved
 * @param tenant who is calling ({@code x-api-key}), authenticated on {@code snapshot}'s policy
 * @param deadlineNanos {@link System#nanoTime()} deadline
 * @param priority Triton's schedule-policy priority: 0 for the class's default, else 1 (highest) and up
 * @param headers the request's headers or metadata, names lower-case; routing rules match them
 * @param noCache the caller asked to bypass the cache ({@code Cache-Control: no-cache})
 * @param context the trace context of the request's server span: route, cache, lanes and batches parent to it
 * @param snapshot the routing snapshot this call is routed on, and only this one
 * @param admission what the tenant's limits decided: the headers of the answer (shared with {@link #withTexts})
 * @param completion where lanes complete their answers: the door's event loop ({@link DoorReplies#executor}, set by
 *     {@link Pipeline#infer}), so a batch's answers come back to it in one task; in place when not on one
 */
public record InferenceCall(
    String door,
    String id,
    String model,
    String version,
    List<String> texts,
    String latencyClass,
    String clientRegion,
    Tenant tenant,
    long deadlineNanos,
    int priority,
    Map<String, String> headers,
    boolean noCache,
    Context context,
    Router snapshot,
    TenantAdmission admission,
    Executor completion) {
  public InferenceCall {
    texts = List.copyOf(texts);
    headers = Map.copyOf(headers);
    if (context == null) context = Context.root();
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(snapshot, "snapshot");
    if (admission == null) admission = new TenantAdmission(tenant.id());
    if (completion == null) completion = Runnable::run;
  }

  /** Completed in place until {@link Pipeline#infer} names the door's event loop. */
  public InferenceCall(String door, String id, String model, String version, List<String> texts, String latencyClass,
      String clientRegion, Tenant tenant, long deadlineNanos, int priority, Map<String, String> headers,
      boolean noCache, Context context, Router snapshot, TenantAdmission admission) {
    this(door, id, model, version, texts, latencyClass, clientRegion, tenant, deadlineNanos, priority, headers,
        noCache, context, snapshot, admission, null);
  }

  /** The same call with other texts (the cache's misses). */
  public InferenceCall withTexts(List<String> other) {
    return new InferenceCall(door, id, model, version, other, latencyClass, clientRegion, tenant, deadlineNanos,
        priority, headers, noCache, context, snapshot, admission, completion);
  }

  /** The same call, its lanes' answers completed on {@code executor}. */
  InferenceCall withCompletion(Executor executor) {
    return new InferenceCall(door, id, model, version, texts, latencyClass, clientRegion, tenant, deadlineNanos,
        priority, headers, noCache, context, snapshot, admission, executor);
  }

  /** What routing decides on; {@code seed} drives its power of two choices. */
  RouteRequest routeRequest(long seed) {
    return new RouteRequest(model, version, latencyClass, clientRegion, tenant.id(), headers, texts.size(), seed);
  }
}
