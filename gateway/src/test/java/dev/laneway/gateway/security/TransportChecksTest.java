package dev.laneway.gateway.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TransportChecksTest {
  static Topology topology(boolean required, boolean remoteTls) {
    String yaml = (required ? "tls_required: true\n" : "") + """
        regions: [{id: hk}, {id: intl}]
        devices: [{id: cpu0, region: hk, kind: cpu, providers: [cpu]}]
        lanes:
          - {id: hk-cpu, region: hk, class: general, devices: [cpu0]}
          - {id: intl-general, region: intl, class: general, remote: {address: "intl-node:8001", tls: %s}}
        models:
          - name: m
            space: m
            dimension: 4
            max_sequence_length: 8
            variants: [{name: fp32, onnx: "classpath:x.onnx", tokenizer: "classpath:x.json"}]
        """.formatted(remoteTls);
    return TopologyLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t.yaml");
  }

  @Test
  void refusal_onlyWhenRequired_namingWhatIsPlaintext() {
    assertNull(TransportChecks.refusal(false, false, topology(false, false)));
    String flag = TransportChecks.refusal(true, false, topology(false, false));
    assertEquals("--tls-required: plaintext refused: the listeners (no --tls-cert/--tls-key), remote lane "
        + "intl-general (remote.tls: false)", flag);
    String key = TransportChecks.refusal(false, true, topology(true, false));
    assertNotNull(key);
    assertTrue(key.startsWith("t.yaml: tls_required: plaintext refused: remote lane intl-general"), key);
    assertNull(TransportChecks.refusal(true, true, topology(true, true)));
  }

  @Test
  void plaintextWarning_onlyBeyondLoopback() {
    assertNull(TransportChecks.plaintextWarning("HTTP", "127.0.0.1", false));
    assertNull(TransportChecks.plaintextWarning("HTTP", "::1", false));
    assertNull(TransportChecks.plaintextWarning("HTTP", "0.0.0.0", true));
    assertTrue(TransportChecks.plaintextWarning("gRPC", "0.0.0.0", false).startsWith("gRPC listener on 0.0.0.0 is plaintext"));
  }
}
