package dev.laneway.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class OnnxGraphTest {
  @Test
  void operators_readsTheRealQuantizedMiniLmGraph() {
    Set<String> ops = OnnxGraph.operators(ModelSource.of("classpath:all-minilm-l6-v2-q.onnx").readAllBytes());
    System.out.println("all-minilm-l6-v2-q ops: " + ops);
    assertTrue(ops.contains("MatMulInteger") || ops.contains("DynamicQuantizeLinear"), ops.toString());
    assertTrue(ops.contains("Gather"), ops.toString());
    Set<String> fp32 = OnnxGraph.operators(ModelSource.of("classpath:all-minilm-l6-v2.onnx").readAllBytes());
    assertFalse(fp32.contains("MatMulInteger"), fp32.toString());
    System.out.println("bge-small-zh-v1.5-q ops: "
        + OnnxGraph.operators(ModelSource.of("classpath:bge-small-zh-v1.5-q.onnx").readAllBytes()));
  }

  @Test
  void operators_refusesTruncatedInput() {
    byte[] bad = {0x3a, 0x10, 0x0a};
    assertThrows(IllegalArgumentException.class, () -> OnnxGraph.operators(bad));
  }
}
