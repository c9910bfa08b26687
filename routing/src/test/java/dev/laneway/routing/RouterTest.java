package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import org.junit.jupiter.api.Test;

class RouterTest {
  final Topology topology = TopologyLoader.embeddedDefault();
  final Router router = Router.create(topology);

  RouteRequest req(String model, String version, String region) {
    return new RouteRequest(model, version, "standard", region, "anonymous");
  }

  @Test
  void decide_prefersTheGeneralLaneInTheClientsRegion() {
    Decision d = router.decide(req("all-minilm-l6-v2", null, "hk"), LaneHealth.ALL_UP);
    assertEquals("fp32", d.variant());
    assertEquals("hk-general", d.candidates().get(0).lane());
    assertFalse(d.candidates().get(0).degraded());
    assertEquals("intl-general", d.candidates().get(1).lane());
    assertTrue(d.candidates().get(1).degraded());
    assertTrue(d.skipped().stream().anyMatch(s -> s.lane().equals("hk-npu")));
  }

  @Test
  void decide_intlClientGoesToIntlFirst() {
    Decision d = router.decide(req("bge-small-zh-v1.5", "int8", "intl"), LaneHealth.ALL_UP);
    assertEquals("intl-general", d.candidates().get(0).lane());
    assertEquals("int8", d.candidates().get(0).variant());
  }

  @Test
  void decide_skipsAnUnavailableLaneAndMarksTheRestDegraded() {
    Decision d = router.decide(req("all-minilm-l6-v2", null, "hk"), lane -> lane.equals("hk-general") ? "breaker open" : null);
    assertEquals("intl-general", d.candidates().get(0).lane());
    assertTrue(d.candidates().get(0).degraded());
    assertTrue(d.skipped().contains(new Skip("hk-general", "breaker open")));
  }

  @Test
  void resolve_unknownModelAndVersionAreTyped() {
    assertThrows(RoutingException.UnknownModel.class, () -> router.decide(req("nope", null, "hk"), LaneHealth.ALL_UP));
    RoutingException.UnknownVersion e = assertThrows(RoutingException.UnknownVersion.class,
        () -> router.resolve("all-minilm-l6-v2", "fp16"));
    assertTrue(e.getMessage().contains("fp32"));
  }
}
