package dev.laneway.gateway.pipeline;

import dev.laneway.lanes.LaneResult;

/**
 * What dispatch brought back for a routed call's texts: the answering lane's result, and how it was reached.
 *
 * @param degraded served by a lane other than the policy's first choice
 * @param attempts lanes tried (1 when the first candidate answered)
 * @param executorNanos from the submit to the answering lane to its result (queue + compute + hand-offs)
 * @param hedged a hedge was sent for this request (whichever attempt answered)
 * @param spilledFrom the policy's preferred lane when routing spilled the request off it, else null
 */
public record Dispatched(LaneResult result, boolean degraded, int attempts, long executorNanos, boolean hedged,
    String spilledFrom) {}
