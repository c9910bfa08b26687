package dev.laneway.lanes;

/**
 * What a lane answered, with where it ran.
 *
 * @param provider the execution provider that ran it ({@code cpu} on a stand-in)
 * @param standIn the device asked for an accelerator and ran on the CPU provider instead
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
    long computeNanos) {}
