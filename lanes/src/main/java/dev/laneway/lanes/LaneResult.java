package dev.laneway.lanes;

/**
 * What a lane answered, with where it ran.
 *
 * @param provider the execution provider that ran it ({@code cpu} on a stand-in)
 * @param standIn the device asked for an accelerator and ran on the CPU provider instead
 * @param computeNanos the longest batch execution that served the call (a remote lane: as its node reports it; 0 when
 *     unknown)
 * @param expectedComputeNanos what the lane expected that execution to take for its batch shape (0: no expectation);
 *     with {@code computeNanos}, what the breaker's overrun rule judges
 */
public record LaneResult(
    float[][] vectors,
    int[] tokenCounts,
    String lane,
    String region,
    String device,
    String provider,
    boolean standIn,
    String variant,
    long queueNanos,
    long computeNanos,
    long expectedComputeNanos) {
  /** Without an expectation of the compute time (a remote lane, tests). */
  public LaneResult(float[][] vectors, int[] tokenCounts, String lane, String region, String device, String provider,
      boolean standIn, String variant, long queueNanos, long computeNanos) {
    this(vectors, tokenCounts, lane, region, device, provider, standIn, variant, queueNanos, computeNanos, 0);
  }
}
