package dev.laneway.topology;

import java.util.List;

/**
 * What a specialised lane's device accepts, as the {@code admission:} key of a lane. A variant enters the lane only
 * when it is quantized, the lane declares static shapes, every operator of its ONNX graph is in {@code supportedOps},
 * and its mean cosine similarity to the fp32 variant over the calibration set is at least {@code minCosine}.
 *
 * @param supportedOps ONNX operator types the device runs ({@code MatMulInteger}, {@code Gelu}, …); empty: any
 * @param minCosine lower bound on the mean cosine of the quantized variant vs the model's fp32 variant; 0: unchecked
 */
public record AdmissionSpec(List<String> supportedOps, double minCosine) {
  public static final AdmissionSpec NONE = new AdmissionSpec(List.of(), 0);

  public AdmissionSpec {
    supportedOps = Checks.list(supportedOps);
    if (minCosine < 0 || minCosine > 1) {
      throw new IllegalArgumentException("min_cosine: " + minCosine + " (expected: 0..1)");
    }
  }
}
