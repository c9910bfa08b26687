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
}
