package dev.laneway.gateway.pipeline;

import dev.laneway.lanes.LaneResult;
import dev.laneway.routing.Decision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A computed answer with how it was reached.
 *
 * @param degraded served by a lane other than the first choice
 * @param attempts lanes tried (1 when the first candidate answered)
 * @param executorNanos from the submit to the answering lane to its result (queue + compute + hand-offs)
 * @param hedged a hedge was sent for this request (whichever attempt answered)
 * @param spilledFrom the policy's preferred lane when routing spilled the request off it (it was saturated), else null
 */
public record Answer(InferenceCall call, Decision decision, LaneResult result, boolean degraded, int attempts,
    long executorNanos, boolean hedged, String spilledFrom) {
  public Answer(InferenceCall call, Decision decision, LaneResult result, boolean degraded, int attempts) {
    this(call, decision, result, degraded, attempts, 0, false, null);
  }

  /**
   * The response parameters every door returns (REST JSON {@code parameters}, gRPC response parameters): where the
   * answer was computed and how it was routed. Names are the contract in the README.
   */
  public Map<String, Object> parameters() {
    LaneResult r = result;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("lane", r.lane());
    p.put("device", r.device());
    p.put("variant", r.variant());
    p.put("region", r.region());
    p.put("degraded", degraded);
    p.put("stand_in", r.standIn());
    p.put("provider", r.provider());
    p.put("attempts", attempts);
    p.put("latency_class", call.latencyClass());
    p.put("client_region", call.clientRegion());
    p.put("queue_ms", r.queueNanos() / 1e6);
    p.put("compute_ms", r.computeNanos() / 1e6);
    p.put("executor_ms", executorNanos / 1e6);
    p.put("rule", decision == null ? null : decision.rule());
    p.put("tenant", decision == null ? call.tenant() : decision.tenant());
    p.put("hedged", hedged);
    if (spilledFrom != null) p.put("spilled_from", spilledFrom);
    return p;
  }
}
