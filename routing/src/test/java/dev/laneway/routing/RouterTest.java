package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        - {id: batch-plan, api_keys: [k-batch], classes: [batch]}
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
    assertTrue(d.skipped().contains(new Skip("hk-npu", Skip.Kind.NOT_SELECTED, "not selected by rule gpu-first")), d.skipped().toString());
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
    assertTrue(d.skipped().contains(new Skip("hk-general", Skip.Kind.UNAVAILABLE, "breaker open")));
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
    assertTrue(resident.skipped().contains(new Skip("intl-general", Skip.Kind.RESIDENCY, "residency: tenant hk-bank stays in hk")));
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
  void tenants_mayBeLimitedToLatencyClasses() {
    Router r = Router.create(topology, PolicyLoader.parse(TENANTS, "t"));
    RoutingException.Forbidden f = assertThrows(RoutingException.Forbidden.class,
        () -> r.decide(new RouteRequest("all-minilm-l6-v2", null, "interactive", "hk", "batch-plan"), LaneHealth.ALL_UP));
    assertTrue(f.getMessage().contains("may not send latency class 'interactive' (allowed: [batch])"), f.getMessage());
    assertFalse(r.decide(new RouteRequest("all-minilm-l6-v2", null, "batch", "hk", "batch-plan"), LaneHealth.ALL_UP)
        .candidates().isEmpty());
    assertFalse(r.decide(new RouteRequest("all-minilm-l6-v2", null, "interactive", "hk", "roamer"), LaneHealth.ALL_UP)
        .candidates().isEmpty(), "a tenant without classes sends every class");
    PolicyException bad = assertThrows(PolicyException.class, () -> PolicyLoader.parse(
        "tenants:\n  - {id: t, classes: [urgent]}\nrules:\n  - {name: r, lanes: [{lane: hk-general}]}\n", "bad"));
    assertTrue(bad.getMessage().contains("tenants[0].classes: unknown latency class 'urgent'"), bad.getMessage());
  }

  @Test
  void headersMatchAndThenChains() {
    Router r = Router.create(topology, PolicyLoader.parse(TENANTS, "t"));
    // unknown estimates: the rule's order stands (see spill_theMarginComparesTheLanes_theBudgetTheWholeTrip)
    Decision d = r.decide(new RouteRequest("all-minilm-l6-v2", null, "standard", "hk", "roamer", Map.of("x-beta", "1")),
        new Health(Map.of()));
    assertEquals("beta-header", d.rule());
    assertEquals(List.of("intl-general", "hk-general"), lanes(d));
    assertNull(d.spill());
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

  // ---- expected completion time, power of two choices, spillover (issue 13) ----

  /** General lanes a, b, c and specialised npu in hk; general far in intl, 40 ms away; model m runs on general only. */
  static final Topology FIVE = TopologyLoader.parse(new ByteArrayInputStream("""
      regions: [{id: hk}, {id: intl}]
      links: [{from: hk, to: intl, rtt: 40ms}]
      devices:
        - {id: d0, region: hk, kind: gpu, providers: [cpu]}
        - {id: d1, region: hk, kind: gpu, providers: [cpu]}
        - {id: d2, region: hk, kind: gpu, providers: [cpu]}
        - {id: d3, region: hk, kind: npu, providers: [cpu]}
        - {id: d4, region: intl, kind: gpu, providers: [cpu]}
      lanes:
        - {id: a, region: hk, class: general, devices: [d0]}
        - {id: b, region: hk, class: general, devices: [d1]}
        - {id: c, region: hk, class: general, devices: [d2]}
        - {id: npu, region: hk, class: specialised, devices: [d3]}
        - {id: far, region: intl, class: general, devices: [d4]}
      models:
        - name: m
          space: m
          dimension: 4
          variants: [{name: fp32, onnx: classpath:m.onnx, tokenizer: classpath:t.json}]
      """.getBytes(StandardCharsets.UTF_8)), "five.yaml");

  /**
   * Estimates per lane (absent: unknown, NaN), the waiting part of them (absent: unknown) and the lanes the caller
   * reports as spilling; every lane up.
   */
  record Health(Map<String, Double> estimates, Set<String> spilling, Map<String, Double> waits) implements LaneHealth {
    Health(Map<String, Double> estimates) {
      this(estimates, Set.of());
    }

    Health(Map<String, Double> estimates, Set<String> spilling) {
      this(estimates, spilling, Map.of());
    }

    @Override
    public double waitMs(String lane, String latencyClass) {
      return waits.getOrDefault(lane, Double.NaN);
    }

    @Override
    public String unavailableReason(String lane) {
      return null;
    }

    @Override
    public double estimateMs(String lane, String latencyClass, int texts) {
      return estimates.getOrDefault(lane, Double.NaN);
    }

    @Override
    public boolean spilling(String lane, String latencyClass) {
      return spilling.contains(lane);
    }
  }

  static RouteRequest request(String model, String latencyClass, String region, int texts, long seed) {
    return new RouteRequest(model, null, latencyClass, region, "anonymous", Map.of(), texts, seed);
  }

  static Router five(String rules) {
    return Router.create(FIVE, PolicyLoader.parse(rules, "t"));
  }

  @Test
  void decide_ordersLanesOfOneSelectorByEstimatePlusRtt() {
    RoutingPolicy any = PolicyLoader.parse("rules: [{name: any, lanes: [{class: general, region: any}]}]", "t");
    Router r = Router.create(topology, any);
    // hk-general's estimate grows with the request's size; intl-general is idle but 40 ms away
    LaneHealth health = new LaneHealth() {
      public String unavailableReason(String lane) { return null; }
      public double estimateMs(String lane, String latencyClass, int texts) {
        assertEquals("standard", latencyClass);
        return lane.equals("hk-general") ? 10.0 * texts : 5;
      }
    };
    Decision small = r.decide(request("all-minilm-l6-v2", "standard", "hk", 1, 0), health);
    assertEquals(List.of("hk-general", "intl-general"), lanes(small));
    assertEquals(10.0, small.candidates().get(0).estimateMs());
    assertEquals(45.0, small.candidates().get(1).estimateMs(), "the lane's estimate plus the 40 ms link");
    Decision large = r.decide(request("all-minilm-l6-v2", "standard", "hk", 5, 0), health);
    assertEquals(List.of("intl-general", "hk-general"), lanes(large), "50 ms here, 45 ms there");
    assertNull(large.spill(), "ordered within the selector, not spilled");
    assertFalse(large.candidates().get(0).degraded());
  }

  @Test
  void decide_unknownEstimateOrdersAsZeroAndIsReportedAsNaN() {
    RoutingPolicy any = PolicyLoader.parse("rules: [{name: any, lanes: [{class: general, region: any}]}]", "t");
    Decision d = Router.create(topology, any)
        .decide(request("all-minilm-l6-v2", "standard", "hk", 1, 0), new Health(Map.of("hk-general", 50.0)));
    assertEquals(List.of("intl-general", "hk-general"), lanes(d), "unknown (0) + 40 ms beats 50 ms");
    assertTrue(Double.isNaN(d.candidates().get(0).estimateMs()));
    assertEquals(50.0, d.candidates().get(1).estimateMs());
    assertNull(d.spill());
  }

  @Test
  void decide_powerOfTwoChoicesIsDeterministicPerSeedAndSpreadsEqualLanes() {
    Router r = five("rules: [{name: r, lanes: [{class: general, region: client}, {lane: far}]}]");
    Health equal = new Health(Map.of("a", 10.0, "b", 10.0, "c", 10.0, "far", 1.0));
    Set<String> leaders = new HashSet<>();
    for (long seed = 0; seed < 200; seed++) {
      Decision d = r.decide(request("m", "standard", "hk", 1, seed), equal);
      assertEquals(d, r.decide(request("m", "standard", "hk", 1, seed), equal), "seed " + seed);
      assertEquals(Set.of("a", "b", "c"), Set.copyOf(lanes(d).subList(0, 3)));
      assertEquals("far", lanes(d).get(3), "the next selector's lane stays behind");
      leaders.add(lanes(d).get(0));
    }
    assertEquals(Set.of("a", "b", "c"), leaders, "with equal estimates every lane leads for some seed");
  }

  @Test
  void decide_powerOfTwoChoicesNeverPutsTheWorstLaneFirst() {
    Router r = five("rules: [{name: r, lanes: [{class: general, region: client}]}]");
    Health health = new Health(Map.of("a", 5.0, "b", 6.0, "c", 30.0));
    Set<List<String>> orders = new HashSet<>();
    for (long seed = 0; seed < 1000; seed++) {
      Decision d = r.decide(request("m", "standard", "hk", 1, seed), health);
      assertNotEquals("c", lanes(d).get(0), "seed " + seed);
      assertNull(d.spill());
      orders.add(lanes(d));
    }
    // a leads when picked (2 pairs of 3), b when picked with c; the others follow sorted
    assertEquals(Set.of(List.of("a", "b", "c"), List.of("b", "a", "c")), orders);
  }

  @Test
  void decide_twoLanesAreSortedWithoutRandomness() {
    // c first, then a selector that picks a and b (c is taken): two lanes, sorted, equal ones in topology order
    Router r = five("rules: [{name: r, lanes: [{lane: c}, {class: general, region: client}]}]");
    for (long seed = 0; seed < 50; seed++) {
      assertEquals(List.of("c", "a", "b"), lanes(r.decide(request("m", "standard", "hk", 1, seed),
          new Health(Map.of("a", 10.0, "b", 10.0, "c", 10.0)))), "seed " + seed);
      assertEquals(List.of("c", "b", "a"), lanes(r.decide(request("m", "standard", "hk", 1, seed),
          new Health(Map.of("a", 11.0, "b", 10.0, "c", 10.0)))), "seed " + seed);
    }
  }

  @Test
  void decide_spillsWhenPreferredBreaksBudget() {
    // gpu-first: hk-general (client region) before intl-general; interactive budget 50 ms
    Decision d = router.decide(request("all-minilm-l6-v2", "interactive", "hk", 1, 0),
        new Health(Map.of("hk-general", 83.0, "intl-general", 40.0)));
    assertEquals(List.of("intl-general", "hk-general"), lanes(d));
    assertTrue(d.candidates().get(0).degraded(), "not the policy's first choice");
    assertTrue(d.candidates().get(1).degraded(), "no longer first");
    assertEquals(new Spill("hk-general", "intl-general",
        "estimate 83.0 ms breaks the interactive budget of 50 ms (next: 80.0 ms)", 83.0, 80.0), d.spill());
    // the same estimates within the standard budget (500 ms) and the margin (lanes alone: 2 × 40 + 5 = 85): kept
    Decision standard = router.decide(request("all-minilm-l6-v2", "standard", "hk", 1, 0),
        new Health(Map.of("hk-general", 83.0, "intl-general", 40.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(standard));
    assertFalse(standard.candidates().get(0).degraded());
    assertNull(standard.spill());
  }

  @Test
  void decide_spillsWhenPreferredIsWorseByTheMargin() {
    // standard budget 500 ms; margin on the lanes' own estimates: 2.0 × 40 + 5 = 85 ms (intl's 40 ms link aside;
    // end to end intl-general is 80 ms, under hk-general's)
    Decision d = router.decide(request("all-minilm-l6-v2", "standard", "hk", 1, 0),
        new Health(Map.of("hk-general", 100.0, "intl-general", 40.0)));
    assertEquals(List.of("intl-general", "hk-general"), lanes(d));
    assertEquals("lane estimate 100.0 ms exceeds 2.0 × next 40.0 ms + 5 ms", d.spill().reason());
    Decision under = router.decide(request("all-minilm-l6-v2", "standard", "hk", 1, 0),
        new Health(Map.of("hk-general", 84.0, "intl-general", 40.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(under));
    assertNull(under.spill());
  }

  @Test
  void decide_keepsPreferredWhenNextLaneIsWorse() {
    // hk-general breaks the interactive budget, but intl-general (60 + 40 ms) would be later still
    Decision d = router.decide(request("all-minilm-l6-v2", "interactive", "hk", 1, 0),
        new Health(Map.of("hk-general", 80.0, "intl-general", 60.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(d));
    assertFalse(d.candidates().get(0).degraded());
    assertNull(d.spill());
  }

  @Test
  void decide_hysteresisKeepsSpillingUntilWellUnderTheThresholds() {
    Router r = five("rules: [{name: r, lanes: [{lane: a}, {lane: b}]}]");
    // interactive, budget 50 ms: a at 30 ms is under it and under 2 × 20 + 5 = 45 ms, so a keeps the request ...
    Decision fresh = r.decide(request("m", "interactive", "hk", 1, 0), new Health(Map.of("a", 30.0, "b", 20.0)));
    assertEquals(List.of("a", "b"), lanes(fresh));
    assertNull(fresh.spill());
    // ... but while a is spilling, the budget is 25 ms: it stays off a
    Decision spilling = r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 30.0, "b", 20.0), Set.of("a")));
    assertEquals(List.of("b", "a"), lanes(spilling));
    assertEquals("estimate 30.0 ms breaks the interactive budget of 50 ms (next: 20.0 ms)"
        + " (spilling: thresholds × 0.5)", spilling.spill().reason());
    // the margin scales too: 30 > 0.5 × (2 × 14 + 5) = 16.5, though 30 < 2 × 14 + 5 = 33
    Health margin = new Health(Map.of("a", 30.0, "b", 14.0), Set.of("a"));
    assertNull(r.decide(request("m", "standard", "hk", 1, 0), new Health(margin.estimates())).spill());
    assertEquals("lane estimate 30.0 ms exceeds 2.0 × next 14.0 ms + 5 ms (spilling: thresholds × 0.5)",
        r.decide(request("m", "standard", "hk", 1, 0), margin).spill().reason());
    // well under both: a takes the class back (12 < 25 and 12 < 0.5 × (2 × 10 + 5) = 12.5)
    Decision back = r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 12.0, "b", 10.0), Set.of("a")));
    assertEquals(List.of("a", "b"), lanes(back));
    assertNull(back.spill());
    // only the preferred lane's state counts
    assertNull(r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 30.0, "b", 20.0), Set.of("b"))).spill());
  }

  @Test
  void decide_neverSpillsOnAnUnknownEstimate() {
    Decision unknownFirst = router.decide(request("all-minilm-l6-v2", "interactive", "hk", 1, 0),
        new Health(Map.of("intl-general", 2.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(unknownFirst));
    assertNull(unknownFirst.spill());
    Decision unknownNext = router.decide(request("all-minilm-l6-v2", "interactive", "hk", 1, 0),
        new Health(Map.of("hk-general", 500.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(unknownNext));
    assertNull(unknownNext.spill());
    assertTrue(Double.isNaN(unknownNext.candidates().get(1).estimateMs()));
  }

  @Test
  void decide_neverSpillsWhenDisabled() {
    RoutingPolicy off = PolicyLoader.parse("""
        spillover: {enabled: false}
        rules: [{name: r, lanes: [{class: general, region: client}, {class: general, region: any}]}]
        """, "t");
    Decision d = Router.create(topology, off).decide(request("all-minilm-l6-v2", "interactive", "hk", 1, 0),
        new Health(Map.of("hk-general", 83.0, "intl-general", 2.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(d));
    assertNull(d.spill());
  }

  @Test
  void decide_spillNeverCrossesResidency() {
    Router r = Router.create(topology, PolicyLoader.parse(TENANTS, "t"));
    Health saturatedHk = new Health(Map.of("hk-general", 1000.0, "intl-general", 1.0));
    Decision roamer = r.decide(new RouteRequest("all-minilm-l6-v2", null, "interactive", "hk", "roamer"), saturatedHk);
    assertEquals(List.of("intl-general", "hk-general"), lanes(roamer), "a tenant without residency spills");
    Decision resident = r.decide(new RouteRequest("all-minilm-l6-v2", null, "interactive", "hk", "hk-bank"),
        saturatedHk);
    assertEquals(List.of("hk-general"), lanes(resident));
    assertNull(resident.spill());
    assertTrue(resident.skipped().contains(new Skip("intl-general", Skip.Kind.RESIDENCY, "residency: tenant hk-bank stays in hk")));
  }

  @Test
  void decide_spillNeverCrossesSpaceAndSwapsOnlyTheFirstTwo() {
    // m has no specialised variant: the idle npu lane is never a candidate, the spill goes to b
    Router r = five("rules: [{name: r, lanes: [{lane: a}, {lane: npu}, {lane: b}, {lane: far}]}]");
    Decision d = r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 1000.0, "npu", 0.0, "b", 10.0, "far", 0.0)));
    assertEquals(List.of("b", "a", "far"), lanes(d));
    assertEquals("a", d.spill().from());
    assertEquals("b", d.spill().to());
    assertTrue(d.candidates().stream().allMatch(Candidate::degraded));
    assertTrue(d.skipped().get(0).reason().startsWith("space:"), d.skipped().toString());
  }

  @Test
  void spill_theMarginComparesTheLanes_theBudgetTheWholeTrip() {
    // a rule that prefers a remote lane keeps it while it keeps up: its 40 ms link is the policy's choice, not
    // saturation (the margin compares the lanes' own estimates: 1 ms vs 1 ms)
    Router r = Router.create(topology, PolicyLoader.parse(TENANTS, "t"));
    RouteRequest beta = new RouteRequest("all-minilm-l6-v2", null, "standard", "hk", "roamer", Map.of("x-beta", "1"));
    Decision kept = r.decide(beta, new Health(Map.of("intl-general", 1.0, "hk-general", 1.0)));
    assertEquals(List.of("intl-general", "hk-general"), lanes(kept));
    assertNull(kept.spill());
    // saturated (30 ms of its own vs 1 ms): it spills by the margin, 30 > 2 × 1 + 5
    Decision saturated = r.decide(beta, new Health(Map.of("intl-general", 30.0, "hk-general", 1.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(saturated));
    assertEquals("lane estimate 30.0 ms exceeds 2.0 × next 1.0 ms + 5 ms", saturated.spill().reason());
    // the budget counts the trip: interactive's 50 ms is broken by 15 ms of lane + 40 ms of link
    RouteRequest interactive = new RouteRequest("all-minilm-l6-v2", null, "interactive", "hk", "roamer",
        Map.of("x-beta", "1"));
    Decision far = r.decide(interactive, new Health(Map.of("intl-general", 15.0, "hk-general", 1.0)));
    assertEquals(List.of("hk-general", "intl-general"), lanes(far));
    assertTrue(far.spill().reason().startsWith("estimate 55.0 ms breaks the interactive budget of 50 ms"),
        far.spill().reason());
  }

  @Test
  void decide_aSlowerButIdlePreferredLaneKeepsItsRequests_aQueuedOneSpills() {
    Router r = five("rules: [{name: r, lanes: [{lane: a}, {lane: b}]}]");
    // a's own batch takes 20 ms where b's takes 5 (an NPU that is slower per call), nothing queued: kept, although
    // 20 > 2 × 5 + 5 = 15 (the margin judges the queue, not the lane's speed)
    Decision idle = r.decide(request("m", "standard", "hk", 1, 0),
        new Health(Map.of("a", 20.0, "b", 5.0), Set.of(), Map.of("a", 0.0, "b", 0.0)));
    assertEquals(List.of("a", "b"), lanes(idle));
    assertNull(idle.spill());
    // 16 ms of it queued: 16 > 15, saturated
    Decision queued = r.decide(request("m", "standard", "hk", 1, 0),
        new Health(Map.of("a", 36.0, "b", 5.0), Set.of(), Map.of("a", 16.0, "b", 0.0)));
    assertEquals(List.of("b", "a"), lanes(queued));
    assertEquals("queued 16.0 ms exceeds 2.0 × next 5.0 ms + 5 ms", queued.spill().reason());
  }

  @Test
  void decide_aSpillingLaneTakesTheClassBackOnceItsQueueDrains_evenWhenSlowerThanTheRecoveredThreshold() {
    Router r = five("rules: [{name: r, lanes: [{lane: a}, {lane: b}]}]");
    // spilling: thresholds × 0.5, so the margin's is 0.5 × (2 × 5 + 5) = 7.5 ms of queue. a's idle estimate (20 ms)
    // is above that, but what the hysteresis judges is its queue: 8 ms queued keeps it spilling, 7 ms does not
    Decision still = r.decide(request("m", "standard", "hk", 1, 0),
        new Health(Map.of("a", 28.0, "b", 5.0), Set.of("a"), Map.of("a", 8.0)));
    assertEquals(List.of("b", "a"), lanes(still));
    assertEquals("queued 8.0 ms exceeds 2.0 × next 5.0 ms + 5 ms (spilling: thresholds × 0.5)", still.spill().reason());
    Decision back = r.decide(request("m", "standard", "hk", 1, 0),
        new Health(Map.of("a", 27.0, "b", 5.0), Set.of("a"), Map.of("a", 7.0)));
    assertEquals(List.of("a", "b"), lanes(back));
    assertNull(back.spill());
    // the budget's threshold too: interactive 50 ms leaves a lane whose own compute is 30 ms 20 ms of waiting; while
    // spilling, 0.5 × 20 = 10 ms: 11 ms queued keeps it off, an empty queue brings it back
    Decision budget = r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 41.0, "b", 5.0), Set.of("a"), Map.of("a", 11.0)));
    assertEquals(List.of("b", "a"), lanes(budget));
    assertEquals("queued 11.0 ms exceeds 0.5 × the 20.0 ms of waiting the interactive budget of 50 ms leaves (next: "
        + "5.0 ms) (spilling: thresholds × 0.5)", budget.spill().reason());
    Decision drained = r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 30.0, "b", 5.0), Set.of("a"), Map.of("a", 0.0)));
    assertNull(drained.spill());
    // a lane that breaks the budget even idle stays off the class while the next lane is faster
    Decision neverMeets = r.decide(request("m", "interactive", "hk", 1, 0),
        new Health(Map.of("a", 60.0, "b", 5.0), Set.of("a"), Map.of("a", 0.0)));
    assertEquals(List.of("b", "a"), lanes(neverMeets));
  }

  @Test
  void routeRequest_defaultsToOneTextAndRefusesNone() {
    RouteRequest r = new RouteRequest("m", null, "standard", "hk", "anonymous");
    assertEquals(1, r.texts());
    assertEquals(0, r.seed());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RouteRequest("m", null, "standard", "hk", "anonymous", Map.of(), 0, 1));
    assertEquals("texts: 0 (expected: >= 1)", e.getMessage());
  }
}
