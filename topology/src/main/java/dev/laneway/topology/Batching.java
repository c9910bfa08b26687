package dev.laneway.topology;

import java.time.Duration;
import java.util.List;

/**
 * A lane's batching profile, in Triton's words.
 *
 * @param maxBatchSize most items in one ONNX Runtime call
 * @param preferredBatchSizes batch sizes to dispatch at once when reached (Triton's {@code preferred_batch_size})
 * @param maxQueueDelay how long the oldest item may wait for a batch to fill (Triton's {@code max_queue_delay})
 * @param maxQueueSize items the lane's queue holds before it refuses with queue-full
 */
public record Batching(int maxBatchSize, List<Integer> preferredBatchSizes, Duration maxQueueDelay, int maxQueueSize) {
  public static final Batching DEFAULT = new Batching(32, List.of(), Duration.ofMillis(2), 4096);

  public Batching {
    Checks.atLeast("max_batch_size", maxBatchSize, 1);
    preferredBatchSizes = Checks.list(preferredBatchSizes);
    for (int p : preferredBatchSizes) {
      if (p < 1 || p > maxBatchSize) {
        throw new IllegalArgumentException(
            "preferred_batch_sizes: " + p + " (expected: 1.." + maxBatchSize + ", within max_batch_size)");
      }
    }
    if (maxQueueDelay == null) {
      maxQueueDelay = DEFAULT.maxQueueDelay();
    }
    if (maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("max_queue_delay: " + maxQueueDelay + " (expected: >= 0)");
    }
    Checks.atLeast("max_queue_size", maxQueueSize, 1);
  }
}
