package dev.laneway.lanes;

/**
 * The check every answer passes before it leaves a lane: each vector has the model's dimension, only finite values, and
 * unit length (every model's vectors are L2-normalised by the executor), within {@link #NORM_TOLERANCE}. A device that
 * answers otherwise (a firmware bug, a failing accelerator: the NPU article's F8, "sporadic incorrect outputs") fails
 * the attempt as a {@link LaneException.DeviceFailed}: the breaker counts it and dispatch tries the next candidate,
 * so no client ever receives the bad vector. A pure function, any thread.
 */
public final class OutputSanity {
  /** How far from 1 a vector's L2 norm may be: float rounding over 1,024 components stays far inside it. */
  public static final double NORM_TOLERANCE = 1e-3;

  private OutputSanity() {}

  /** What is wrong with these vectors, or null when nothing is. */
  public static String problem(float[][] vectors, int dimension) {
    for (int i = 0; i < vectors.length; i++) {
      float[] v = vectors[i];
      if (v == null) return "vector " + i + " missing";
      if (v.length != dimension) return "vector " + i + " has " + v.length + " components (expected: " + dimension + ")";
      double sum = 0;
      for (int j = 0; j < v.length; j++) {
        float x = v[j];
        if (!Float.isFinite(x)) return "vector " + i + " holds " + x + " at " + j;
        sum += (double) x * x;
      }
      double norm = Math.sqrt(sum);
      if (Math.abs(norm - 1) > NORM_TOLERANCE) {
        return String.format("vector %d has norm %.4f (expected: 1 ± %s, a normalised model)", i, norm, NORM_TOLERANCE);
      }
    }
    return null;
  }
}
