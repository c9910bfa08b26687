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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admission to a specialised lane, on the real MiniLM ONNX files (read, and run for the cosine bound). */
class AdmissionTest {
  static final VariantSpec FP32 = new VariantSpec("fp32", "classpath:all-minilm-l6-v2.onnx",
      "classpath:all-minilm-l6-v2-tokenizer.json", false, List.of(LaneClass.GENERAL));
  static final VariantSpec INT8 = new VariantSpec("int8", "classpath:all-minilm-l6-v2-q.onnx",
      "classpath:all-minilm-l6-v2-q-tokenizer.json", true, List.of(LaneClass.GENERAL, LaneClass.SPECIALISED));
  static final ModelSpec MINILM = new ModelSpec("all-minilm-l6-v2", "all-minilm-l6-v2", 384, "mean", 256, "fp32",
      List.of(FP32, INT8));

  /** A specialised lane must declare its static shapes (issue 3's batching keys). */
  static final Batching STATIC_SHAPES = new Batching(16, List.of(), null, null, null, null, List.of(1, 4, 8, 16),
      List.of(32, 64, 128), null, null, null);

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
    assertEquals(50, Admission.calibration().size());
    Admission.Result ok = Admission.check(npu(List.of(), 0.98), MINILM, INT8);
    System.out.printf("MiniLM int8 vs fp32 mean cosine over the calibration set: %.4f%n", ok.meanCosine());
    assertTrue(ok.admitted(), ok.reason());
    assertTrue(ok.meanCosine() > 0.98 && ok.meanCosine() < 1.0, "" + ok.meanCosine());
    Admission.Result strict = Admission.check(npu(List.of(), 0.999), MINILM, INT8);
    assertFalse(strict.admitted());
    assertTrue(strict.reason().startsWith("mean cosine vs fp32 0.98"), strict.reason());
  }

  @Test
  void measuredCosine_persistsAcrossStarts_andIsReadBackInsteadOfMeasured(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cache/admission.properties");
    try {
      Admission.persistIn(file);
      Admission.forgetMeasured(); // as a fresh process
      Admission.Result first = Admission.check(npu(List.of(), 0.98), MINILM, INT8);
      assertTrue(first.admitted(), first.reason());
      Properties p = new Properties();
      try (var in = Files.newBufferedReader(file)) {
        p.load(in);
      }
      assertEquals(1, p.size(), "one figure, keyed by the files' fingerprints: " + p);
      String key = p.stringPropertyNames().iterator().next();
      assertEquals(Admission.cacheKey(MINILM, FP32, INT8), key);
      assertEquals(first.meanCosine(), Double.parseDouble(p.getProperty(key)));

      // a later start reads the figure: plant a low one and the same check refuses without measuring
      p.setProperty(key, "0.5");
      try (var out = Files.newBufferedWriter(file)) {
        p.store(out, null);
      }
      Admission.forgetMeasured();
      Admission.Result second = Admission.check(npu(List.of(), 0.98), MINILM, INT8);
      assertFalse(second.admitted());
      assertEquals(0.5, second.meanCosine());

      // an unreadable figure is measured again and rewritten
      Files.writeString(file, key + "=not-a-number\n");
      Admission.forgetMeasured();
      Admission.Result third = Admission.check(npu(List.of(), 0.98), MINILM, INT8);
      assertEquals(first.meanCosine(), third.meanCosine(), 1e-9);
      assertTrue(Files.readString(file).contains(key + "=" + third.meanCosine()));
    } finally {
      Admission.persistIn(null);
      Admission.forgetMeasured();
    }
  }
}
