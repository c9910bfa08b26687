package dev.laneway.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteLaneSpecTest {
  static Topology withLane(String lane) {
    return TopologyLoader.parse(new java.io.ByteArrayInputStream(("""
        regions: [{id: hk}, {id: intl}]
        devices: [{id: d0, region: hk, kind: gpu, providers: [cuda, cpu]}]
        lanes:
          - {id: l0, region: hk, class: general, devices: [d0]}
          - %s
        models:
          - name: m
            space: m
            dimension: 4
            variants: [{name: fp32, onnx: classpath:m.onnx, tokenizer: classpath:t.json}]
        """).formatted(lane).getBytes(java.nio.charset.StandardCharsets.UTF_8)), "t.yaml");
  }

  @Test
  void remoteLane_withoutDevices_isAccepted() {
    LaneSpec l = withLane("{id: r, region: intl, class: general, remote: {address: \"10.0.0.7:8001\"}}").lane("r");
    assertTrue(l.isRemote());
    assertEquals("10.0.0.7", l.remote().host());
    assertEquals(8001, l.remote().port());
    assertEquals("r", l.remote().laneFor("r"), "the lane's own id by default");
    assertTrue(l.devices().isEmpty());
  }

  @Test
  void remoteLane_laneOverride_andEmptyForPlainOipServers() {
    assertEquals("x", withLane("{id: r, region: intl, class: general, remote: {address: \"h:1\", lane: x}}")
        .lane("r").remote().laneFor("r"));
    assertNull(withLane("{id: r, region: intl, class: general, remote: {address: \"h:1\", lane: \"\"}}")
        .lane("r").remote().laneFor("r"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"nohost", "h:", ":80", "h:0", "h:70000", "h:x"})
  void badAddress_isRefusedWithTheField(String address) {
    TopologyException e = assertThrows(TopologyException.class, () ->
        withLane("{id: r, region: intl, class: general, remote: {address: \"" + address + "\"}}"));
    assertTrue(e.getMessage().contains("remote.address"), e.getMessage());
  }

  @Test
  void unknownRemoteKey_isRefused() {
    TopologyException e = assertThrows(TopologyException.class, () ->
        withLane("{id: r, region: intl, class: general, remote: {address: \"h:1\", retries: 3}}"));
    assertTrue(e.getMessage().contains("unknown key 'retries'"), e.getMessage());
  }

  @Test
  void laneWithNeitherDevicesNorRemote_isRefused() {
    TopologyException e = assertThrows(TopologyException.class, () ->
        withLane("{id: r, region: intl, class: general}"));
    assertTrue(e.getMessage().contains("devices: empty"), e.getMessage());
  }
}
