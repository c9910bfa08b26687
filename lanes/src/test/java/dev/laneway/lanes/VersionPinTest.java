package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.base.ModelKey;
import dev.laneway.executor.ModelFiles;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyException;
import dev.laneway.topology.TopologyLoader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A device's pinned runtime version (the NPU article's F6, M15) against the ONNX Runtime this process really loaded:
 * the embedded default with hk-npu0 pinned, read through the real topology loader.
 */
class VersionPinTest {
  static final Set<ModelKey> LOADED = Set.of(ModelKey.of("all-minilm-l6-v2", "int8"));

  static Topology pinned(String version) throws Exception {
    String yaml = new String(TopologyLoader.class.getClassLoader()
        .getResourceAsStream(TopologyLoader.DEFAULT_RESOURCE).readAllBytes(), StandardCharsets.UTF_8)
        .replace("providers: [openvino, qnn, cpu]", "providers: [openvino, qnn, cpu]\n    runtime_version: " + version);
    return TopologyLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "pinned.yaml");
  }

  @Test
  void mismatch_refusesEveryLoadedVariantWithTheReason() throws Exception {
    Topology t = pinned("0.0.1");
    assertEquals("0.0.1", t.device("hk-npu0").runtimeVersion());
    Admission.Result admitted = new Admission.Result("all-minilm-l6-v2", "int8", true, java.util.List.of(), 0.99);
    Map<ModelKey, Admission.Result> out = Admission.pinned(t.lane("hk-npu"), t,
        Map.of(ModelKey.of("all-minilm-l6-v2", "int8"), admitted), LOADED);
    Admission.Result r = out.get(ModelKey.of("all-minilm-l6-v2", "int8"));
    assertFalse(r.admitted());
    assertEquals("runtime version mismatch: device hk-npu0 pins onnxruntime 0.0.1, this process runs "
        + ModelFiles.runtimeVersion(), r.reason());
    assertEquals(0.99, r.meanCosine(), "the measured cosine is kept");
    Map<ModelKey, Admission.Result> general = Admission.pinned(t.lane("hk-general"), t, Map.of(), LOADED);
    assertTrue(general.isEmpty(), "hk-gpu0 pins nothing");
  }

  @Test
  void match_changesNothing_andABlankPinIsRefusedWithItsLine() throws Exception {
    Topology t = pinned(ModelFiles.runtimeVersion());
    Map<ModelKey, Admission.Result> verdicts = Map.of();
    assertSame(verdicts, Admission.pinned(t.lane("hk-npu"), t, verdicts, LOADED));
    TopologyException e = assertThrows(TopologyException.class, () -> pinned("\"\""));
    assertTrue(e.getMessage().contains("runtime_version"), e.getMessage());
  }
}
