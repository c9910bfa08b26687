package dev.laneway.gateway.pipeline;

import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Map;

/**
 * One decoded inference request, whatever door it came through.
 *
 * @param id the client's request id, echoed (may be null)
 * @param version the requested model version (a variant name), or null for the default
 * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
 * @param clientRegion where the caller is, already resolved
 * @param deadlineNanos {@link System#nanoTime()} deadline
 * @param priority Triton's schedule-policy priority: 0 for the latency class's default, else 1 (highest) and up
 * @param headers the request's headers (HTTP headers or gRPC metadata), names lower-case; routing rules match them
 * @param noCache the caller asked to bypass the cache ({@code Cache-Control: no-cache})
 * @param context the OpenTelemetry context of the request's server span: lanes, batches and caches parent to it
 */
public record InferenceCall(
    String id,
    String model,
    String version,
    List<String> texts,
    String latencyClass,
    String clientRegion,
    String tenant,
    long deadlineNanos,
    int priority,
    Map<String, String> headers,
    boolean noCache,
    Context context) {
  public InferenceCall {
    texts = List.copyOf(texts);
    headers = Map.copyOf(headers);
    if (context == null) context = Context.root();
  }
}
