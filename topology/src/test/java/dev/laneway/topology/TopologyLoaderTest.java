package dev.laneway.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopologyLoaderTest {
  static Topology parse(String yaml) {
    return TopologyLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t.yaml");
  }

  @Test
  void embeddedDefault_declaresTwoRegionsThreeLanesTwoModels() {
    Topology t = TopologyLoader.embeddedDefault();
    assertEquals("hk", t.localRegion());
    assertEquals(2, t.regions().size());
    assertEquals(3, t.lanes().size());
    assertEquals(LaneClass.SPECIALISED, t.lane("hk-npu").laneClass());
    assertEquals(DeviceKind.NPU, t.device("hk-npu0").kind());
    assertEquals(Duration.ofMillis(40), t.rtt("hk", "intl"));
    assertEquals(Duration.ofMillis(40), t.rtt("intl", "hk"));
    ModelSpec bge = t.model("bge-small-zh-v1.5").orElseThrow();
    assertEquals(512, bge.dimension());
    assertEquals("cls", bge.pooling());
    assertTrue(bge.variant("int8").orElseThrow().quantized());
    assertTrue(bge.variant("int8").orElseThrow().laneClasses().contains(LaneClass.SPECIALISED));
    assertEquals("fp32", bge.defaultVariant());
  }

  static final String MINIMAL = """
      regions: [{id: hk}]
      devices: [{id: d0, region: hk, kind: gpu, providers: [cuda, cpu]}]
      lanes: [{id: l0, region: hk, class: general, devices: [d0]}]
      models:
        - name: m
          space: m
          dimension: 4
          variants: [{name: fp32, onnx: classpath:m.onnx, tokenizer: classpath:t.json}]
      """;

  @Test
  void minimalFile_getsDefaults() {
    Topology t = parse(MINIMAL);
    assertEquals("hk", t.localRegion());
    LaneSpec lane = t.lane("l0");
    assertEquals(1, lane.instances());
    assertEquals(Batching.DEFAULT, lane.batching());
    assertEquals(BreakerSpec.DEFAULT, lane.breaker());
    assertEquals(1024, lane.maxInFlight());
    assertEquals(AdmissionSpec.NONE, lane.admission());
    assertEquals("mean", t.model("m").orElseThrow().pooling());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], colour: red}] | t.yaml:3:| unknown key 'colour' (expected one of:",
      "lanes: [{id: l0, region: mars, class: general, devices: [d0]}]             | lanes[0].region: unknown region 'mars'",
      "lanes: [{id: l0, region: hk, class: general, devices: [d9]}]               | lanes[0].devices[0]: unknown device 'd9'",
      "lanes: [{id: l0, region: hk, class: fast, devices: [d0]}]                  | lanes[0].class: 'fast' is not a valid LaneClass (expected one of: [general, specialised])",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], batching: {max_batch_size: 0}}] | max_batch_size: 0 (expected: >= 1)",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], batching: {max_queue_delay: soon}}] | 'soon' (expected: a duration",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], instances: many}] | instances",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0]}, {id: l0, region: hk, class: general, devices: [d0]}] | lanes: 'l0' declared twice",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], breaker: {failure_rate: 150}}] | lanes[0].breaker | failure_rate: 150 (expected: 1..100, percent)",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], breaker: {wait_in_opn: 1s}}] | unknown key 'wait_in_opn'",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], admission: {min_cosine: 1.5}}] | lanes[0].admission | min_cosine: 1.5 (expected: 0..1)",
      "lanes: [{id: l0, region: hk, class: general, devices: [d0], max_in_flight: -1}] | max_in_flight: -1 (expected: >= 1)",
  })
  void invalidFiles_sayWhereAndWhy(String lanes, String expected) {
    String yaml = MINIMAL.replace("lanes: [{id: l0, region: hk, class: general, devices: [d0]}]", lanes);
    TopologyException e = assertThrows(TopologyException.class, () -> parse(yaml));
    for (String part : expected.split("\\|")) {
      assertTrue(e.getMessage().contains(part.trim()), e.getMessage());
    }
    assertTrue(e.getMessage().startsWith("t.yaml:"), e.getMessage());
  }

  @Test
  void batching_readsEveryKeyTritonUsersKnow() {
    String yaml = MINIMAL.replace("lanes: [{id: l0, region: hk, class: general, devices: [d0]}]", """
        lanes:
          - id: l0
            region: hk
            class: specialised
            devices: [d0]
            instances: 2
            intra_op_threads: 1
            batching:
              max_batch_size: 16
              preferred_batch_sizes: [16, 4, 8]
              max_queue_delay: 3ms
              max_queue_delay_by_class: {interactive: 0ms, batch: 20ms}
              max_queue_size: 100
              sequence_length_multiple: 16
              static_batch_sizes: [1, 4, 8, 16]
              static_sequence_lengths: [128, 32, 64]
              max_batch_tokens: 512
              default_timeout_by_class: {batch: 30s}
              long_text_tokens: 128
        """);
    Batching b = parse(yaml).lane("l0").batching();
    assertEquals(16, b.maxBatchSize());
    assertEquals(java.util.List.of(4, 8, 16), b.preferredBatchSizes());
    assertEquals(Duration.ZERO, b.maxQueueDelay("interactive"));
    assertEquals(Duration.ofMillis(3), b.maxQueueDelay("standard"), "falls back to max_queue_delay");
    assertEquals(Duration.ofMillis(20), b.maxQueueDelay("batch"));
    assertEquals(100, b.maxQueueSize());
    assertEquals(16, b.sequenceLengthMultiple());
    assertEquals(java.util.List.of(32, 64, 128), b.staticSequenceLengths());
    assertEquals(512, b.maxBatchTokens());
    assertEquals(Duration.ofSeconds(30), b.defaultTimeoutByClass().get("batch"));
    assertEquals(128, b.longTextTokens());
    assertEquals(2, parse(yaml).lane("l0").instances());
  }

  @Test
  void batching_defaults() {
    Batching b = Batching.DEFAULT;
    assertEquals(32, b.maxBatchSize());
    assertEquals(Duration.ofMillis(2), b.maxQueueDelay("standard"));
    assertEquals(Duration.ZERO, b.maxQueueDelay("interactive"));
    assertEquals(4096, b.maxQueueSize());
    assertEquals(8, b.sequenceLengthMultiple());
    assertEquals(4096, b.maxBatchTokens());
    assertEquals(0, b.longTextTokens(), "long texts off");
    assertTrue(b.staticBatchSizes().isEmpty() && b.staticSequenceLengths().isEmpty());
  }

  @Test
  void embeddedDefault_batchesTheGeneralLaneOnTwoInstancesAndTheNpuLaneOnStaticShapes() {
    Topology t = TopologyLoader.embeddedDefault();
    assertEquals(2, t.lane("hk-general").instances());
    assertEquals(java.util.List.of(8, 16, 32), t.lane("hk-general").batching().preferredBatchSizes());
    assertEquals(java.util.List.of(32, 64, 128), t.lane("hk-npu").batching().staticSequenceLengths());
    assertEquals(java.util.List.of(1, 4, 8, 16), t.lane("hk-npu").batching().staticBatchSizes());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{max_queue_delay_by_class: {urgent: 1ms}} | max_queue_delay_by_class: unknown latency class 'urgent'",
      "{max_batch_size: 8, static_batch_sizes: [16]} | static_batch_sizes: 16 (expected: 1..8",
      "{static_sequence_lengths: [2]} | static_sequence_lengths: 2 (expected: >= 3)",
      "{max_batch_tokens: -1} | max_batch_tokens: -1 (expected: >= 0)",
      "{long_text_tokens: -1} | long_text_tokens: -1 (expected: >= 0)",
      "{max_queue_delay_microseconds: 500} | unknown key 'max_queue_delay_microseconds'",
  })
  void batching_refusesBadValues(String batching, String expected) {
    String yaml = MINIMAL.replace("lanes: [{id: l0, region: hk, class: general, devices: [d0]}]",
        "lanes: [{id: l0, region: hk, class: general, devices: [d0], batching: " + batching + "}]");
    TopologyException e = assertThrows(TopologyException.class, () -> parse(yaml));
    assertTrue(e.getMessage().contains(expected.trim()), e.getMessage());
  }

  @Test
  void durations_readTheUsualUnits() {
    assertEquals(Duration.ofNanos(500_000), Durations.parse("500us"));
    assertEquals(Duration.ofMillis(2), Durations.parse("2ms"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
    assertEquals(Duration.ofMinutes(1), Durations.parse("1m"));
    assertEquals(Duration.ofSeconds(3), Durations.parse("PT3S"));
    assertEquals("2ms", Durations.format(Duration.ofMillis(2)));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("fast"));
  }

  @Test
  void cidr_matchesItsRangeOnly() throws Exception {
    Cidr c = Cidr.parse("10.1.0.0/16");
    assertTrue(c.contains(java.net.InetAddress.getByName("10.1.200.3")));
    assertTrue(!c.contains(java.net.InetAddress.getByName("10.2.0.1")));
    assertTrue(!c.contains(java.net.InetAddress.getByName("::1")));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
  }

  /**
   * Random edits of the documented example topology (seeded): every outcome is a topology or a
   * {@link TopologyException} naming the file, never another exception or a hang.
   */
  @Test
  void fuzz_mutatedFilesFailOnlyWithTopologyErrors() throws Exception {
    String base = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "examples", "topology.yaml"));
    String[] tokens = {"~", "[]", "{}", "-1", "0", "\"\"", "[~]", "{id: ~}", ": :", "x", "true", "\n  - ", "*", "&a",
        "!!int", "99999999999", "-5ms", "1h"};
    java.util.Random random = new java.util.Random(7);
    int refused = 0;
    int loaded = 0;
    for (int i = 0; i < 400; i++) {
      StringBuilder b = new StringBuilder(base);
      for (int k = 0; k < 1 + random.nextInt(3); k++) {
        int at = random.nextInt(b.length());
        if (random.nextBoolean()) {
          b.insert(at, tokens[random.nextInt(tokens.length)]);
        } else {
          b.delete(at, Math.min(b.length(), at + 1 + random.nextInt(8)));
        }
      }
      try {
        TopologyLoader.parse(new java.io.ByteArrayInputStream(b.toString().getBytes(
            java.nio.charset.StandardCharsets.UTF_8)), "fuzz.yaml");
        loaded++;
      } catch (TopologyException e) {
        refused++;
        assertTrue(e.getMessage().startsWith("fuzz.yaml"), e.getMessage());
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " gave " + e + " for:\n" + b, e);
      }
    }
    assertTrue(refused > 0 && loaded > 0, "both outcomes seen: refused " + refused + ", loaded " + loaded);
  }
}
