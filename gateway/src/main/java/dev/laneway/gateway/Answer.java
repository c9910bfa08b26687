package dev.laneway.gateway;

import dev.laneway.lanes.LaneResult;
import dev.laneway.routing.Decision;

/**
 * A computed answer with how it was reached.
 *
 * @param degraded served by a lane other than the first choice
 * @param attempts lanes tried (1 when the first candidate answered)
 */
public record Answer(InferenceCall call, Decision decision, LaneResult result, boolean degraded, int attempts) {}
