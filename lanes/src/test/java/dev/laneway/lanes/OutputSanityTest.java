package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The output check, and the injected output faults it must catch (nan) or let through (corrupt: still unit norm). */
class OutputSanityTest {
  static float[] unit(int dim, int hot) {
    float[] v = new float[dim];
    v[hot] = 1;
    return v;
  }

  @Test
  void problem_acceptsUnitVectorsOfTheDimension() {
    assertNull(OutputSanity.problem(new float[][] {unit(4, 0), {0.5f, 0.5f, 0.5f, 0.5f}}, 4));
  }

  @Test
  void problem_refusesNonFiniteWrongNormAndWrongDimension() {
    assertTrue(OutputSanity.problem(new float[][] {unit(4, 0), {Float.NaN, 0, 0, 1}}, 4).contains("NaN"));
    assertTrue(OutputSanity.problem(new float[][] {{Float.POSITIVE_INFINITY, 0, 0, 0}}, 4).contains("Infinity"));
    assertTrue(OutputSanity.problem(new float[][] {{0.9f, 0, 0, 0}}, 4).contains("norm 0.9000"));
    assertTrue(OutputSanity.problem(new float[][] {unit(3, 0)}, 4).contains("3 components"));
  }

  static LaneResult result(float[]... v) {
    return new LaneResult(v, new int[v.length], "l", "r", "d0", "cpu", true, "int8", 0, 0);
  }

  @Test
  void corrupt_keepsUnitNormAndDropsTheCosineAsDocumented() {
    DeviceFaults f = new DeviceFaults();
    f.seed(3);
    f.setOutput("d0", new DeviceFaults.OutputFault(0.5, 0, Duration.ZERO, 0));
    float[][] in = new float[20][];
    for (int i = 0; i < in.length; i++) in[i] = unit(384, i);
    LaneResult out = f.perturb(List.of("d0"), result(in));
    assertNull(OutputSanity.problem(out.vectors(), 384), "corrupted but sane: only shadow checks can see it");
    double mean = 0;
    for (int i = 0; i < in.length; i++) mean += DriftWatch.cosine(in[i], out.vectors()[i]) / in.length;
    assertTrue(Math.abs(mean - 1 / Math.sqrt(1.25)) < 0.03, "mean cosine " + mean);
    assertTrue(in[0][0] == 1f, "the lane's own vectors are not changed in place");
  }

  @Test
  void nan_atRateOne_makesEveryAnswerFailTheCheck_andNoneWithoutTheFault() {
    DeviceFaults f = new DeviceFaults();
    f.seed(5);
    for (int i = 0; i < 50; i++) assertNull(OutputSanity.problem(f.perturb(List.of("d0"), result(unit(8, 1))).vectors(), 8));
    f.setOutput("d0", new DeviceFaults.OutputFault(0, 1, Duration.ZERO, 0));
    for (int i = 0; i < 50; i++) {
      assertTrue(OutputSanity.problem(f.perturb(List.of("d0"), result(unit(8, 1), unit(8, 2))).vectors(), 8) != null);
    }
    f.setOutput("d0", DeviceFaults.OutputFault.NONE);
    assertTrue(f.maxRows("d0") == Integer.MAX_VALUE);
  }
}
