package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {
  final Topology topology = TopologyLoader.embeddedDefault();
  @TempDir Path dir;

  String error(String yaml) throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, yaml);
    return assertThrows(PolicyException.class, () -> PolicyLoader.load(f, topology)).getMessage();
  }

  @Test
  void embeddedDefault_loadsAndChecksAgainstTheDefaultTopology() {
    RoutingPolicy p = PolicyLoader.embeddedDefault();
    PolicyLoader.check(p, topology, null);
    assertEquals("interactive-int8-npu", p.rules().get(0).name());
  }

  @Test
  void theDocumentedExampleLoads() {
    Path example = Path.of("..", "docs", "examples", "policy.yaml");
    Path exampleTopology = Path.of("..", "docs", "examples", "topology.yaml");
    RoutingPolicy p = PolicyLoader.load(example, TopologyLoader.load(exampleTopology));
    assertTrue(p.requireApiKey());
  }

  @Test
  void unknownKey_namesTheKeyTheLineAndTheExpectedKeys() throws Exception {
    String e = error("""
        rules:
          - name: a
            lanes: [{class: general}]
            priorty: 3
        """);
    assertTrue(e.matches(".*policy.yaml:4:5: rules\\[0\\].priorty: unknown key 'priorty' \\(expected one of: .*lanes.*\\)"), e);
  }

  @Test
  void badReference_namesTheLaneAndTheKnownOnes() throws Exception {
    String e = error("""
        rules:
          - name: a
            lanes:
              - {lane: hk-tpu}
        """);
    assertTrue(e.endsWith("policy.yaml:4:16: rules[0].lanes[0].lane: unknown lane 'hk-tpu' (expected one of: hk-general, hk-npu, intl-general)"), e);
    e = error("""
        tenants: [{id: t, residency: mars}]
        rules: [{name: a, lanes: [{class: general}]}]
        """);
    assertTrue(e.contains("policy.yaml:1:30: tenants[0].residency: unknown region 'mars'"), e);
  }

  @Test
  void cycle_isRefusedWithTheChain() throws Exception {
    String e = error("""
        rules:
          - {name: a, lanes: [{class: general}], then: b}
          - {name: b, lanes: [{class: general}], then: a}
        """);
    assertTrue(e.contains("cycle a -> b -> a"), e);
    assertTrue(e.contains("policy.yaml:"), e);
  }

  @Test
  void wrongType_andBadEnumAreNamed() throws Exception {
    String e = error("""
        require_api_key: sometimes
        rules: [{name: a, lanes: [{class: general}]}]
        """);
    assertTrue(e.contains("policy.yaml:1:") && e.contains("require_api_key"), e);
    e = error("""
        rules: [{name: a, lanes: [{class: gpu}]}]
        """);
    assertTrue(e.contains("rules[0].lanes[0]") && e.contains("class: 'gpu' (expected one of: general, specialised, any)"), e);
    e = error("""
        rules: [{name: a, then: nowhere}]
        """);
    assertTrue(e.contains("then: unknown rule 'nowhere'"), e);
  }

  /** Random edits of the documented example: every outcome is a policy or a PolicyException, never anything else. */
  @Test
  void fuzz_mutatedFilesFailOnlyWithPolicyErrors() throws Exception {
    String base = Files.readString(Path.of("..", "docs", "examples", "policy.yaml"));
    Topology example = TopologyLoader.load(Path.of("..", "docs", "examples", "topology.yaml"));
    String[] tokens = {"~", "[]", "{}", "-1", "\"\"", "[~]", "{lane: ~}", ": :", "x", "true", "\n  - ", "*", "&a", "!!int"};
    java.util.Random random = new java.util.Random(4);
    int refused = 0;
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
        RoutingPolicy p = PolicyLoader.parse(b.toString(), "fuzz.yaml");
        PolicyLoader.check(p, example, b.toString());
      } catch (PolicyException e) {
        refused++;
        assertTrue(e.getMessage().startsWith("fuzz.yaml"), e.getMessage());
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " gave " + e + " for:\n" + b, e);
      }
    }
    assertTrue(refused > 0);
  }
}
