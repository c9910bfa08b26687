package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

  // ---- latency budgets, spillover, hedging (issue 13) ----

  static final String RULES = "rules: [{name: a, lanes: [{class: general}]}]\n";

  @Test
  void overloadKeys_getTheirDefaultsWhenAbsent() {
    Map<String, Duration> budgets = Map.of("interactive", Duration.ofMillis(50), "standard", Duration.ofMillis(500),
        "batch", Duration.ofSeconds(30));
    for (RoutingPolicy p : List.of(PolicyLoader.embeddedDefault(), PolicyLoader.parse(RULES, "t"),
        new RoutingPolicy(false, List.of(), PolicyLoader.embeddedDefault().rules(), "four arguments"))) {
      assertEquals(budgets, p.latencyBudgets(), p.source());
      assertEquals(List.of("interactive", "standard", "batch"), List.copyOf(p.latencyBudgets().keySet()));
      assertEquals(new Spillover(true, 2.0, Duration.ofMillis(5), 0.5), p.spillover(), p.source());
      assertEquals(new Hedging(false, List.of("interactive"), 0.95, Duration.ofMillis(2), 0.05, 2), p.hedging(),
          p.source());
    }
    RoutingPolicy empty = PolicyLoader.parse(RULES + "latency_budgets: {}\nspillover: {}\nhedging: ~\n", "t");
    assertEquals(budgets, empty.latencyBudgets());
    assertEquals(Spillover.DEFAULT, empty.spillover());
    assertEquals(Hedging.DEFAULT, empty.hedging());
  }

  @Test
  void overloadKeys_everyKeyIsRead() throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, RULES + """
        latency_budgets: {interactive: 20ms, batch: 1m}
        spillover:
          enabled: false
          margin: 3
          min_gain: 500us
          recover: 0.25
        hedging:
          enabled: true
          classes: [interactive, standard]
          quantile: 0.99
          min_delay: 1ms
          budget: 0.1
          burst: 4
        """);
    RoutingPolicy p = PolicyLoader.load(f, topology);
    assertEquals(Duration.ofMillis(20), p.latencyBudget("interactive"));
    assertEquals(Duration.ofMillis(500), p.latencyBudget("standard"), "a class left out keeps its default");
    assertEquals(Duration.ofMinutes(1), p.latencyBudget("batch"));
    assertEquals(Duration.ofMillis(500), p.latencyBudget("realtime"), "an unknown class gets the standard budget");
    assertEquals(new Spillover(false, 3.0, Duration.ofNanos(500_000), 0.25), p.spillover());
    assertEquals(new Hedging(true, List.of("interactive", "standard"), 0.99, Duration.ofMillis(1), 0.1, 4),
        p.hedging());
    assertTrue(p.hedging().hedges("standard"));
    assertFalse(p.hedging().hedges("batch"));
    assertFalse(Hedging.DEFAULT.hedges("interactive"), "off by default");
  }

  @Test
  void latencyBudgets_unknownClassIsRefusedNamingTheExpectedOnes() throws Exception {
    String e = error(RULES + """
        latency_budgets:
          interactive: 20ms
          realtime: 5ms
        """);
    assertTrue(e.endsWith("policy.yaml:4:3: latency_budgets: unknown latency class 'realtime' "
        + "(expected one of: interactive, standard, batch)"), e);
    e = error(RULES + """
        latency_budgets:
          standard: 0ms
        """);
    assertTrue(e.endsWith("policy.yaml:3:3: latency_budgets.standard: 0s (expected: > 0)"), e);
  }

  @Test
  void spillover_marginBelowOneIsRefusedAtItsLine() throws Exception {
    String e = error(RULES + """
        spillover:
          enabled: true
          margin: 0.5
        """);
    assertTrue(e.endsWith("policy.yaml:4:3: spillover.margin: 0.5 (expected: >= 1)"), e);
    e = error(RULES + "spillover: {recover: 0}\n");
    assertTrue(e.endsWith("policy.yaml:2:13: spillover.recover: 0.0 (expected: > 0 and <= 1)"), e);
  }

  @Test
  void spillover_unknownKeyIsRefusedWithTheExpectedKeys() throws Exception {
    String e = error(RULES + """
        spillover:
          margn: 3
        """);
    assertTrue(e.endsWith("policy.yaml:3:3: spillover.margn: unknown key 'margn' "
        + "(expected one of: enabled, margin, min_gain, recover)"), e);
  }

  @Test
  void hedging_badValuesAreRefusedAtTheirLine() throws Exception {
    String e = error(RULES + """
        hedging:
          enabled: true
          classes: [interactive, realtime]
        """);
    assertTrue(e.endsWith("policy.yaml:4:26: hedging.classes: unknown latency class 'realtime' "
        + "(expected one of: interactive, standard, batch)"), e);
    e = error(RULES + """
        hedging:
          quantile: 1.0
        """);
    assertTrue(e.endsWith("policy.yaml:3:3: hedging.quantile: 1.0 (expected: 0.5..0.999)"), e);
    e = error(RULES + """
        hedging:
          min_delay: soon
        """);
    assertTrue(e.contains("policy.yaml:3:14: hedging.min_delay: 'soon' (expected: a duration"), e);
  }

  @Test
  void overloadRecords_validateThemselves() {
    assertEquals("margin: 0.5 (expected: >= 1)", assertThrows(IllegalArgumentException.class,
        () -> new Spillover(true, 0.5, null, null)).getMessage());
    assertEquals("min_gain: -1ms (expected: >= 0)", assertThrows(IllegalArgumentException.class,
        () -> new Spillover(null, null, Duration.ofMillis(-1), null)).getMessage());
    assertEquals("recover: 1.5 (expected: > 0 and <= 1)", assertThrows(IllegalArgumentException.class,
        () -> new Spillover(null, null, null, 1.5)).getMessage());
    assertEquals(1.0, new Spillover(null, 1.0, Duration.ZERO, 1.0).recover(), "the bounds are allowed");
    assertEquals("budget: 1.5 (expected: 0..1)", assertThrows(IllegalArgumentException.class,
        () -> new Hedging(null, null, null, null, 1.5, null)).getMessage());
    assertEquals("burst: 0 (expected: >= 1)", assertThrows(IllegalArgumentException.class,
        () -> new Hedging(null, null, null, null, null, 0)).getMessage());
    assertEquals("quantile: 0.4 (expected: 0.5..0.999)", assertThrows(IllegalArgumentException.class,
        () -> new Hedging(null, null, 0.4, null, null, null)).getMessage());
    assertEquals("latency_budgets: unknown latency class 'urgent' (expected one of: interactive, standard, batch)",
        assertThrows(IllegalArgumentException.class, () -> new RoutingPolicy(false, List.of(),
            PolicyLoader.embeddedDefault().rules(), Map.of("urgent", Duration.ofMillis(1)), null, null, "t"))
            .getMessage());
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
