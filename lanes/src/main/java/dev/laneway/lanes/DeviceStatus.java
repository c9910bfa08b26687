package dev.laneway.lanes;

import java.util.List;

/**
 * A device as a lane runs it: the providers it asked for, the one it got, and whether that makes it a CPU stand-in.
 *
 * @param reason why earlier providers were passed over (empty when the first was used)
 */
public record DeviceStatus(String device, String kind, List<String> requested, String provider, boolean standIn, String reason) {
  /**
   * The share of a model's graph nodes that run on the CPU provider on this device (the NPU article's M6, CPU fallback
   * ratio), as far as it can be known: 1 on a stand-in (every node runs on the CPU provider in the accelerator's
   * place), 0 on a {@code cpu} device (the CPU is the device: nothing falls back), NaN on an accelerator's own provider,
   * because ONNX Runtime's Java API does not expose node placement (which nodes a provider took and which fell back to
   * the CPU provider); {@link #cpuFallbackReason} says which. The same for every variant the device runs.
   */
  public static double cpuFallbackRatio(String kind, boolean standIn) {
    if (standIn) return 1;
    return kind.equals("cpu") ? 0 : Double.NaN;
  }

  /** Why {@link #cpuFallbackRatio} is what it is, in one line. */
  public static String cpuFallbackReason(String kind, boolean standIn, String provider) {
    if (standIn) return "stand-in: every node runs on the CPU provider in place of the " + kind;
    if (kind.equals("cpu")) return "cpu device: the CPU provider is the device's own";
    return "unknown: ONNX Runtime's Java API does not expose node placement for the " + provider + " provider";
  }

  public double cpuFallbackRatio() {
    return cpuFallbackRatio(kind, standIn);
  }
}
