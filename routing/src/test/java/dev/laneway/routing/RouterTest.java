package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
  final Topology topology = TopologyLoader.embeddedDefault();
  final Router router = Router.create(topology);

  static final String TENANTS = """
      require_api_key: true
      tenants:
        - {id: hk-bank, api_keys: [k-hk], residency: hk}
        - {id: roamer, api_keys: [k-roam]}
        - {id: minilm-only, api_keys: [k-mini], models: [all-minilm-l6-v2]}
      rules:
        - name: beta-header
          match: {headers: {x-beta: "1"}}
          lanes: [{lane: intl-general}]
          then: gpu-first
        - name: gpu-first
          lanes: [{class: general, region: client}, {class: general, region: any}]
      """;

  RouteRequest req(String model, String version, String region) {
    return new RouteRequest(model, version, "standard", region, "anonymous");
  }

  List<String> lanes(Decision d) {
    return d.candidates().stream().map(Candidate::lane).toList();
  }

  @Test
  void decide_prefersTheGeneralLaneInTheClientsRegion() {
    Decision d = router.decide(req("all-minilm-l6-v2", null, "hk"), LaneHealth.ALL_UP);
    assertEquals("gpu-first", d.rule());
    assertEquals("fp32", d.variant());
    assertEquals(List.of("hk-general", "intl-general"), lanes(d));
    assertFalse(d.candidates().get(0).degraded());
    assertTrue(d.candidates().get(1).degraded());
    assertTrue(d.skipped().contains(new Skip("hk-npu", "not selected by rule gpu-first")), d.skipped().toString());
  }

  @Test
  void decide_interactiveInt8GoesToTheNpuFirstThenGeneral() {
    Decision d = router.decide(new RouteRequest("all-minilm-l6-v2", "int8", "interactive", "hk", "anonymous"),
        LaneHealth.ALL_UP);
    assertEquals("interactive-int8-npu", d.rule());
    assertEquals(List.of("hk-npu", "hk-general", "intl-general"), lanes(d));
    Decision intl = router.decide(new RouteRequest("all-minilm-l6-v2", "int8", "interactive", "intl", "anonymous"),
        LaneHealth.ALL_UP);
    assertEquals(List.of("intl-general", "hk-general"), lanes(intl), "no specialised lane in intl");
  }

  @Test
  void decide_fp32NeverEntersTheSpecialisedLane() {
    Decision d = router.decide(new RouteRequest("all-minilm-l6-v2", "fp32", "interactive", "hk", "anonymous"),
        LaneHealth.ALL_UP);
    assertEquals(List.of("hk-general", "intl-general"), lanes(d));
  }

  @Test
  void decide_skipsAnUnavailableLaneAndMarksTheRestDegraded() {
    Decision d = router.decide(req("all-minilm-l6-v2", null, "hk"), lane -> lane.equals("hk-general") ? "breaker open" : null);
    assertEquals(List.of("intl-general"), lanes(d));
    assertTrue(d.candidates().get(0).degraded());
    assertTrue(d.skipped().contains(new Skip("hk-general", "breaker open")));
  }

  @Test
  void decide_ewmaOrdersEquallyRankedLanes() {
    RoutingPolicy any = PolicyLoader.parse("rules: [{name: any, lanes: [{class: general, region: any}]}]", "t");
    Router r = Router.create(topology, any);
    LaneHealth slowHk = new LaneHealth() {
      public String unavailableReason(String lane) { return null; }
      public double expectedLatencyMs(String lane) { return lane.equals("hk-general") ? 100 : 5; }
    };
    assertEquals(List.of("hk-general", "intl-general"), lanes(r.decide(req("all-minilm-l6-v2", null, "hk"), LaneHealth.ALL_UP)));
    // intl: 5 ms + 40 ms link beats hk's 100 ms
    assertEquals(List.of("intl-general", "hk-general"), lanes(r.decide(req("all-minilm-l6-v2", null, "hk"), slowHk)));
  }

  @Test
  void residency_isHardAndNamedWhenItLeavesNoLane() {
    Router r = Router.create(topology, PolicyLoader.parse(TENANTS, "t"));
    LaneHealth hkDown = lane -> lane.startsWith("hk-") ? "breaker open" : null;
    Decision resident = r.decide(new RouteRequest("all-minilm-l6-v2", null, "standard", "hk", "hk-bank"), hkDown);
    assertTrue(resident.candidates().isEmpty());
    assertEquals("residency", resident.blockedBy());
    assertTrue(resident.skipped().contains(new Skip("intl-general", "residency: tenant hk-bank stays in hk")));
    Decision roamer = r.decide(new RouteRequest("all-minilm-l6-v2", null, "standard", "hk", "roamer"), hkDown);
    assertEquals(List.of("intl-general"), lanes(roamer));
    assertNull(roamer.blockedBy());
  }

  @Test
  void tenants_authenticateAndModelsAreChecked() {
    RoutingPolicy p = PolicyLoader.parse(TENANTS, "t");
    assertEquals("hk-bank", p.authenticate("k-hk").id());
    assertThrows(RoutingException.Unauthorized.class, () -> p.authenticate(null));
    assertThrows(RoutingException.Unauthorized.class, () -> p.authenticate("nope"));
    Router r = Router.create(topology, p);
    assertThrows(RoutingException.Forbidden.class,
        () -> r.decide(new RouteRequest("bge-small-zh-v1.5", null, "standard", "hk", "minilm-only"), LaneHealth.ALL_UP));
  }

  @Test
  void headersMatchAndThenChains() {
    Router r = Router.create(topology, PolicyLoader.parse(TENANTS, "t"));
    Decision d = r.decide(new RouteRequest("all-minilm-l6-v2", null, "standard", "hk", "roamer", Map.of("x-beta", "1")),
        LaneHealth.ALL_UP);
    assertEquals("beta-header", d.rule());
    assertEquals(List.of("intl-general", "hk-general"), lanes(d));
  }

  @Test
  void space_aLaneWithoutTheModelIsNeverACandidate() {
    // only the specialised lane is selected, and bge fp32 has no specialised variant: blocked by space, not rerouted
    RoutingPolicy npuOnly = PolicyLoader.parse("rules: [{name: npu, lanes: [{lane: hk-npu}]}]", "t");
    Decision d = Router.create(topology, npuOnly)
        .decide(new RouteRequest("bge-small-zh-v1.5", "fp32", "standard", "hk", "anonymous"), LaneHealth.ALL_UP);
    assertTrue(d.candidates().isEmpty());
    assertTrue(d.skipped().get(0).reason().startsWith("not admitted"), d.skipped().toString());
  }

  @Test
  void noRule_isTyped() {
    RoutingPolicy narrow = PolicyLoader.parse("rules: [{name: only-bge, match: {model: bge-small-zh-v1.5}, lanes: [{class: general}]}]", "t");
    assertThrows(RoutingException.NoRule.class,
        () -> Router.create(topology, narrow).decide(req("all-minilm-l6-v2", null, "hk"), LaneHealth.ALL_UP));
  }

  @Test
  void resolve_unknownModelAndVersionAreTyped() {
    assertThrows(RoutingException.UnknownModel.class, () -> router.decide(req("nope", null, "hk"), LaneHealth.ALL_UP));
    RoutingException.UnknownVersion e = assertThrows(RoutingException.UnknownVersion.class,
        () -> router.resolve("all-minilm-l6-v2", "fp16"));
    assertTrue(e.getMessage().contains("fp32"));
  }
}
