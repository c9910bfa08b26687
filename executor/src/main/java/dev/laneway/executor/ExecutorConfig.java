package dev.laneway.executor;

import java.time.Duration;
import java.util.Objects;

/**
 * How one lane's executor batches and runs.
 *
 * @param name the lane id, for thread names and messages
 * @param maxBatchSize most items per ONNX Runtime call
 * @param maxQueueDelay how long the oldest queued item may wait for a batch to fill
 * @param maxQueueSize items held before submit refuses with {@link ExecutorException.QueueFull}
 * @param instancesPerDevice instance threads per device, each with its own sessions
 * @param intraOpThreads ONNX Runtime intra-op threads per session
 */
public record ExecutorConfig(
    String name,
    int maxBatchSize,
    Duration maxQueueDelay,
    int maxQueueSize,
    int instancesPerDevice,
    int intraOpThreads) {
  public ExecutorConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    if (maxBatchSize < 1) throw new IllegalArgumentException("maxBatchSize: " + maxBatchSize + " (expected: >= 1)");
    if (maxQueueSize < 1) throw new IllegalArgumentException("maxQueueSize: " + maxQueueSize + " (expected: >= 1)");
    if (instancesPerDevice < 1) {
      throw new IllegalArgumentException("instancesPerDevice: " + instancesPerDevice + " (expected: >= 1)");
    }
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads: " + intraOpThreads + " (expected: >= 1)");
    }
  }
}
