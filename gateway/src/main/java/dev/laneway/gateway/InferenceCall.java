package dev.laneway.gateway;

import java.util.List;

/**
 * One decoded inference request, whatever door it came through.
 *
 * @param id the client's request id, echoed (may be null)
 * @param version the requested model version (a variant name), or null for the default
 * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
 * @param clientRegion where the caller is, already resolved
 * @param deadlineNanos {@link System#nanoTime()} deadline
 */
public record InferenceCall(
    String id,
    String model,
    String version,
    List<String> texts,
    String latencyClass,
    String clientRegion,
    String tenant,
    long deadlineNanos) {
  public InferenceCall {
    texts = List.copyOf(texts);
  }
}
