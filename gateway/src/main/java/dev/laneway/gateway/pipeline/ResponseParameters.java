package dev.laneway.gateway.pipeline;

import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.LaneResult;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.TokenCounts;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an answer was computed and how it was routed: the response parameters every door returns (REST JSON
 * {@code parameters}, gRPC response parameters, OpenAI {@code x-laneway-*} headers), built once, typed, and written by
 * {@link #toMap()} in the README's order. Doors read the fields; nobody parses them back from strings.
 *
 * @param attempts lanes tried; 0 when the cache answered every text
 * @param spilledFrom the policy's preferred lane when routing spilled the request off it, else null (left out)
 * @param cache {@code bypass}, {@code miss}, {@code partial} or {@code hit}
 * @param tokenCounts each text's tokens after truncation, in text order
 */
public record ResponseParameters(
    String lane,
    String device,
    String variant,
    String region,
    boolean degraded,
    boolean standIn,
    String provider,
    int attempts,
    String latencyClass,
    String clientRegion,
    double queueMs,
    double computeMs,
    double executorMs,
    String rule,
    String tenant,
    boolean hedged,
    String spilledFrom,
    int priority,
    String cache,
    int cacheHits,
    int[] tokenCounts) {

  /** An answer a lane computed (some of its texts may have come from the cache: {@code cache}, {@code cacheHits}). */
  static ResponseParameters computed(InferenceCall call, Decision decision, Dispatched d, String cache, int cacheHits,
      int[] tokenCounts) {
    LaneResult r = d.result();
    return new ResponseParameters(r.lane(), r.device(), r.variant(), r.region(), d.degraded(), r.standIn(),
        r.provider(), d.attempts(), call.latencyClass(), call.clientRegion(), r.queueNanos() / 1e6,
        r.computeNanos() / 1e6, d.executorNanos() / 1e6, decision.rule(), decision.tenant(), d.hedged(),
        d.spilledFrom(), call.priority(), cache, cacheHits, tokenCounts);
  }

  /** An answer the cache gave whole: where it would have run ({@code first}), no time spent there. */
  static ResponseParameters cached(InferenceCall call, Decision decision, Candidate first, DeviceStatus device,
      String variant, int[] tokenCounts) {
    return new ResponseParameters(first.lane(), device == null ? "" : device.device(), variant, first.region(),
        first.degraded(), device != null && device.standIn(), device == null ? "" : device.provider(), 0,
        call.latencyClass(), call.clientRegion(), 0, 0, 0, decision.rule(), decision.tenant(), false,
        decision.spill() == null ? null : decision.spill().from(), call.priority(), "hit", tokenCounts.length,
        tokenCounts);
  }

  /** The parameters by their names, in the documented order ({@code spilled_from} only when set). */
  public Map<String, Object> toMap() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("lane", lane);
    p.put("device", device);
    p.put("variant", variant);
    p.put("region", region);
    p.put("degraded", degraded);
    p.put("stand_in", standIn);
    p.put("provider", provider);
    p.put("attempts", attempts);
    p.put("latency_class", latencyClass);
    p.put("client_region", clientRegion);
    p.put("queue_ms", queueMs);
    p.put("compute_ms", computeMs);
    p.put("executor_ms", executorMs);
    p.put("rule", rule);
    p.put("tenant", tenant);
    p.put("hedged", hedged);
    if (spilledFrom != null) p.put("spilled_from", spilledFrom);
    p.put("priority", priority);
    p.put("cache", cache);
    p.put("cache_hits", cacheHits);
    p.put(Oip.TOKEN_COUNTS, TokenCounts.encode(tokenCounts));
    return p;
  }
}
