package dev.laneway.lanes;

import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import java.util.List;

/**
 * One attempt's work for a lane.
 *
 * @param deadlineNanos {@link System#nanoTime()} deadline, {@link Long#MAX_VALUE} for none
 * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
 */
public record LaneCall(ModelSpec model, VariantSpec variant, List<String> texts, long deadlineNanos, String latencyClass) {
  public LaneCall {
    texts = List.copyOf(texts);
  }
}
