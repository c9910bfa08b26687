package dev.laneway.executor;

import java.util.Objects;

/**
 * How one lane's executor batches and runs.
 *
 * @param name the lane id, for thread names, messages and the {@code lane} attribute
 * @param region the lane's region, for the {@code region} attribute
 * @param batching the batch decision's policy
 * @param maxQueueSize items held (queued or being tokenised) before submit refuses with
 *     {@link ExecutorException.QueueFull}
 * @param instancesPerDevice instance threads per device, each with its own sessions
 * @param intraOpThreads ONNX Runtime intra-op threads per session
 * @param shares how much of {@code maxQueueSize} each latency class may hold (see {@link ClassShares})
 */
public record ExecutorConfig(
    String name, String region, BatchPolicy batching, int maxQueueSize, int instancesPerDevice, int intraOpThreads,
    ClassShares shares) {
  /** With {@link ClassShares#DEFAULT}. */
  public ExecutorConfig(
      String name, String region, BatchPolicy batching, int maxQueueSize, int instancesPerDevice, int intraOpThreads) {
    this(name, region, batching, maxQueueSize, instancesPerDevice, intraOpThreads, ClassShares.DEFAULT);
  }

  public ExecutorConfig {
    Objects.requireNonNull(shares, "shares");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(batching, "batching");
    if (maxQueueSize < 1) throw new IllegalArgumentException("maxQueueSize: " + maxQueueSize + " (expected: >= 1)");
    if (instancesPerDevice < 1) {
      throw new IllegalArgumentException("instancesPerDevice: " + instancesPerDevice + " (expected: >= 1)");
    }
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads: " + intraOpThreads + " (expected: >= 1)");
    }
  }
}
