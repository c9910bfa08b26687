package dev.laneway.executor;

/**
 * The answer to one {@link EmbedRequest}, in the order of its texts.
 *
 * @param tokenCounts tokens per text after truncation, special tokens included
 * @param queueNanos the longest time any of the request's items waited in the queue
 * @param computeNanos the longest batch execution that served one of its items
 * @param device the device that ran the (last) batch
 * @param provider the execution provider in use on that device
 * @param standIn whether that device is a CPU stand-in for an accelerator
 * @param expectedComputeNanos what the lane expected that longest batch execution to take for its shape, from the
 *     batches it ran before (0: no expectation yet)
 */
public record EmbedResult(
    float[][] vectors,
    int[] tokenCounts,
    long queueNanos,
    long computeNanos,
    String device,
    String provider,
    boolean standIn,
    long expectedComputeNanos) {}
