package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy keys of tenants' limits and weights: parsing, defaults, and the errors a bad value gets. */
class TenantLimitsPolicyTest {
  final Topology topology = TopologyLoader.embeddedDefault();
  @TempDir Path dir;

  static final String RULES = """
      rules:
        - name: a
          lanes: [{class: general}]
      """;

  RoutingPolicy load(String yaml) throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, yaml + RULES);
    return PolicyLoader.load(f, topology);
  }

  String error(String yaml) throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, yaml + RULES);
    return assertThrows(PolicyException.class, () -> PolicyLoader.load(f, topology)).getMessage();
  }

  @Test
  void limitsAndWeights_parse_andUnsetOnesComeFromTheDefaults() throws Exception {
    RoutingPolicy p = load("""
        tenant_defaults:
          weight: 2
          limits:
            requests: {per_second: 10}
            budget: {tokens: 1000000, period: day}
        tenants:
          - id: acme
            api_keys: [k1]
            weight: 3
            limits:
              tokens: {per_second: 2000, burst: 8000, shadow: true}
              regions: {hk: 0.75, intl: 0.25}
              models:
                all-minilm-l6-v2: {requests: {per_second: 5, burst: 2}}
          - id: plain
            api_keys: [k2]
        """);
    Tenant acme = p.authenticate("k1");
    assertEquals(3.0, acme.weight());
    assertEquals(2000.0, acme.limits().tokens().perSecond());
    assertEquals(8000.0, acme.limits().tokens().burst());
    assertTrue(acme.limits().tokens().shadow());
    assertEquals(10.0, acme.limits().requests().perSecond(), "from the defaults");
    assertEquals(10.0, acme.limits().requests().burst(), "burst: one second's worth");
    assertEquals("day", acme.limits().budget().period());
    assertEquals(0.75, acme.limits().regionShare("hk"));
    assertEquals(2.0, acme.limits().models().get("all-minilm-l6-v2").requests().burst());
    assertTrue(acme.limits().countsTokens());
    Tenant plain = p.authenticate("k2");
    assertEquals(2.0, plain.weight());
    assertNull(plain.limits().tokens());
    assertEquals(1.0, plain.limits().regionShare("intl"), "no split declared: the whole limit");
    Tenant anonymous = p.authenticate(null);
    assertEquals("anonymous", anonymous.id());
    assertEquals(10.0, anonymous.limits().requests().perSecond(), "the anonymous tenant has the defaults too");
  }

  @Test
  void withoutLimits_nothingIsLimited_andTheWeightIsOne() throws Exception {
    RoutingPolicy p = load("tenants: [{id: a, api_keys: [k]}]\n");
    assertTrue(p.authenticate("k").limits().isEmpty());
    assertEquals(1.0, p.authenticate("k").weight());
    assertEquals(1.0, p.authenticate(null).weight());
  }

  @Test
  void badValues_areRefusedWithTheirPlace() throws Exception {
    assertTrue(error("tenants: [{id: a, limits: {requests: {per_second: 0}}}]\n")
        .contains("per_second: 0.0 (expected: a rate > 0)"));
    assertTrue(error("tenants: [{id: a, limits: {budget: {tokens: 5, period: week}}}]\n")
        .contains("period: 'week' (expected: day or month)"));
    assertTrue(error("tenants: [{id: a, weight: -1}]\n").contains("weight: -1.0 (expected: > 0)"));
    assertTrue(error("tenants: [{id: a, limits: {regions: {hk: 0.75, intl: 0.5}}}]\n")
        .contains("the shares add up to 1.25"));
    assertTrue(error("tenants: [{id: a, limits: {regions: {mars: 1}}}]\n")
        .contains("tenants[0].limits.regions: unknown region 'mars'"));
    assertTrue(error("tenants: [{id: a, limits: {models: {gpt: {requests: {per_second: 1}}}}}]\n")
        .contains("tenants[0].limits.models: unknown model 'gpt'"));
    String e = error("tenants: [{id: a, limits: {requests: {per_secnd: 1}}}]\n");
    assertTrue(e.contains("unknown key 'per_secnd'") || e.contains("per_second: missing"), e);
  }
}
