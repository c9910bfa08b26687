package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.AdmissionSpec;
import dev.laneway.topology.Batching;
import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Admission to a specialised lane, on the real MiniLM ONNX files (read, and run for the cosine bound through the
 * executor's calibration, whose own tests cover its persisted cache; nothing here persists, so the developer's
 * {@code ~/.cache/laneway} is never read or written).
 */
class AdmissionTest {
  static final VariantSpec FP32 = new VariantSpec("fp32", "classpath:all-minilm-l6-v2.onnx",
      "classpath:all-minilm-l6-v2-tokenizer.json", false, List.of(LaneClass.GENERAL));
  static final VariantSpec INT8 = new VariantSpec("int8", "classpath:all-minilm-l6-v2-q.onnx",
      "classpath:all-minilm-l6-v2-q-tokenizer.json", true, List.of(LaneClass.GENERAL, LaneClass.SPECIALISED));
  static final ModelSpec MINILM = new ModelSpec("all-minilm-l6-v2", "all-minilm-l6-v2", 384, "mean", 256, "fp32",
      List.of(FP32, INT8));

  /** A specialised lane must declare its static shapes (issue 3's batching keys). */
  static final Batching STATIC_SHAPES = new Batching(16, List.of(), null, null, null, null, List.of(1, 4, 8, 16),
      List.of(32, 64, 128), null, null, null, null, null, null, null, null, null);

  static LaneSpec npu(List<String> ops, double minCosine) {
    return new LaneSpec("npu", "hk", LaneClass.SPECIALISED, List.of("npu0"), 1, 1, STATIC_SHAPES, null, 0,
        new AdmissionSpec(ops, minCosine));
  }

  @Test
  void unsupportedOperator_isNamedInTheRefusal() {
    List<String> noMatMulInteger = List.of("Add", "Cast", "Concat", "Constant", "DequantizeLinear", "Div",
        "DynamicQuantizeLinear", "Erf", "Gather", "MatMul", "Mul", "Pow", "ReduceMean", "Reshape", "Shape", "Slice",
        "Softmax", "Sqrt", "Sub", "Transpose", "Unsqueeze");
    Admission.Result r = Admission.check(npu(noMatMulInteger, 0), MINILM, INT8);
    assertFalse(r.admitted());
    assertEquals("unsupported operators [MatMulInteger]", r.reason());
  }

  @Test
  void fp32_isRefusedAsNotQuantized() {
    Admission.Result r = Admission.check(npu(List.of(), 0), MINILM, FP32);
    assertFalse(r.admitted());
    assertTrue(r.reason().contains("not quantized"), r.reason());
  }

  @Test
  void cosineBound_measuredOnTheCalibrationSet() {
    Admission.Result ok = Admission.check(npu(List.of(), 0.98), MINILM, INT8);
    System.out.printf("MiniLM int8 vs fp32 mean cosine over the calibration set: %.4f%n", ok.meanCosine());
    assertTrue(ok.admitted(), ok.reason());
    assertTrue(ok.meanCosine() > 0.98 && ok.meanCosine() < 1.0, "" + ok.meanCosine());
    Admission.Result strict = Admission.check(npu(List.of(), 0.999), MINILM, INT8);
    assertFalse(strict.admitted());
    assertTrue(strict.reason().startsWith("mean cosine vs fp32 0.98"), strict.reason());
  }

  @Test
  void staticShapesUndeclared_isRefused() {
    LaneSpec dynamic = new LaneSpec("npu", "hk", LaneClass.SPECIALISED, List.of("npu0"), 1, 1,
        new Batching(16, List.of(), null, null, null, null, List.of(), List.of(), null, null, null, null, null, null, null,
            null, null),
        null,
        0, new AdmissionSpec(List.of(), 0));
    Admission.Result r = Admission.check(dynamic, MINILM, INT8);
    assertFalse(r.admitted());
    assertTrue(r.reason().contains("static shapes not declared"), r.reason());
  }
}
