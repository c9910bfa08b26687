package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calibration of int8 MiniLM against fp32 on the real ONNX files, and its persisted cache — always in a temporary
 * directory, never the developer's {@code ~/.cache/laneway}.
 */
class CalibrationTest {
  static final ExecutorModel FP32 = LaneExecutorTest.spec("fp32");
  static final ExecutorModel INT8 = LaneExecutorTest.spec("int8");

  @AfterEach
  void asAFreshProcess() {
    Calibration.persistIn(null);
    Calibration.forgetMeasured();
  }

  @Test
  void meanCosine_overTheCalibrationSet_isCloseToButBelowOne() {
    assertEquals(50, Calibration.sentences().size());
    Calibration.forgetMeasured();
    Calibration.Cosine c = Calibration.meanCosine(FP32, INT8);
    System.out.printf("MiniLM int8 vs fp32 mean cosine over the calibration set: %.4f%n", c.mean());
    assertTrue(c.mean() > 0.98 && c.mean() < 1.0, "" + c.mean());
    assertFalse(c.fromFile(), "nothing persisted: measured");
    assertEquals(c, Calibration.meanCosine(FP32, INT8), "measured once per process");
  }

  @Test
  void measuredCosine_persistsAcrossStarts_andIsReadBackInsteadOfMeasured(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cache/admission.properties");
    Calibration.persistIn(file);
    Calibration.forgetMeasured(); // as a fresh process
    Calibration.Cosine first = Calibration.meanCosine(FP32, INT8);
    assertFalse(first.fromFile());
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file)) {
      p.load(in);
    }
    assertEquals(1, p.size(), "one figure, keyed by the files' fingerprints: " + p);
    String key = p.stringPropertyNames().iterator().next();
    assertEquals(Calibration.cacheKey(FP32, INT8), key);
    assertEquals(first.mean(), Double.parseDouble(p.getProperty(key)));

    // a later start reads the figure: plant a different one and it is what the next start reports, unmeasured
    p.setProperty(key, "0.5");
    try (var out = Files.newBufferedWriter(file)) {
      p.store(out, null);
    }
    Calibration.forgetMeasured();
    assertEquals(new Calibration.Cosine(0.5, true), Calibration.meanCosine(FP32, INT8));

    // an unreadable figure is measured again and rewritten
    Files.writeString(file, key + "=not-a-number\n");
    Calibration.forgetMeasured();
    Calibration.Cosine third = Calibration.meanCosine(FP32, INT8);
    assertFalse(third.fromFile());
    assertEquals(first.mean(), third.mean(), 1e-9);
    assertTrue(Files.readString(file).contains(key + "=" + third.mean()));
  }

  @Test
  void cacheKey_changesWithWhatTheFigureDependsOn() {
    String key = Calibration.cacheKey(FP32, INT8);
    assertEquals(key, Calibration.cacheKey(LaneExecutorTest.spec("fp32"), LaneExecutorTest.spec("int8")));
    ExecutorModel shorter = new ExecutorModel(INT8.key(), INT8.onnx(), INT8.tokenizer(), INT8.pooling(), 128);
    assertNotEquals(key, Calibration.cacheKey(FP32, shorter), "the maximum sequence length");
    ExecutorModel cls = new ExecutorModel(INT8.key(), INT8.onnx(), INT8.tokenizer(), ExecutorModel.Pooling.CLS, 256);
    assertNotEquals(key, Calibration.cacheKey(FP32, cls), "the pooling");
    assertNotEquals(key, Calibration.cacheKey(INT8, FP32), "which variant is the reference");
  }

  @Test
  void operators_persistAcrossStarts_andAreReadBackInsteadOfTheGraph(@TempDir Path dir) throws Exception {
    java.util.Set<String> fromGraph = ModelFiles.operators(INT8); // no file: read from the graph
    assertTrue(fromGraph.contains("MatMulInteger"), "" + fromGraph);
    Path file = dir.resolve("admission.properties");
    Calibration.persistIn(file);
    assertEquals(fromGraph, ModelFiles.operators(INT8), "read from the graph and stored");
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file)) {
      p.load(in);
    }
    assertEquals(1, p.size(), "" + p);
    String key = p.stringPropertyNames().iterator().next();
    // a later start reads the list: plant another and it is what the next read reports, without the graph
    p.setProperty(key, "Add,MatMul");
    try (var out = Files.newBufferedWriter(file)) {
      p.store(out, null);
    }
    assertEquals(java.util.Set.of("Add", "MatMul"), ModelFiles.operators(INT8));
    assertNotEquals(key, Calibration.digest("operators v1\n" + ModelFiles.fingerprint(FP32.onnx())),
        "another model file, another key");
  }
}
