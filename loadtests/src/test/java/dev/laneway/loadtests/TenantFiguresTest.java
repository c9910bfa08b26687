package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class TenantFiguresTest {
  @Test
  void jain_isOneForTheWeightedShare_andOneOverNForAMonopoly() {
    assertEquals(1.0, TenantFigures.jain(new double[] {500, 500}, new double[] {1, 1}));
    assertEquals(1.0, TenantFigures.jain(new double[] {750, 250}, new double[] {3, 1}));
    assertEquals(0.5, TenantFigures.jain(new double[] {1000, 0}, new double[] {1, 1}));
    assertEquals(0.8, TenantFigures.jain(new double[] {500, 500}, new double[] {3, 1}));
    assertNull(TenantFigures.jain(new double[] {0, 0}, new double[] {1, 1}));
  }

  @Test
  void admission_sumsSeriesPerLimitedLabel() {
    String text = """
        # HELP laneway_tenant_admission_seconds admission
        # TYPE laneway_tenant_admission_seconds histogram
        laneway_tenant_admission_seconds_bucket{limited="true",le="0.001"} 3
        laneway_tenant_admission_seconds_sum{limited="true",otel_scope_name="laneway"} 0.00003
        laneway_tenant_admission_seconds_count{limited="true",otel_scope_name="laneway"} 3
        laneway_tenant_admission_seconds_sum{limited="false",otel_scope_name="laneway"} 0.00001 1700000000000
        laneway_tenant_admission_seconds_count{limited="false",otel_scope_name="laneway"} 5
        laneway_tenant_admission_seconds_count{limited="false",otel_scope_name="other"} 5
        laneway_requests_total{outcome="ok"} 9
        """;
    JsonObject a = TenantFigures.admission(text);
    assertEquals(10.0, a.getJsonObject("limited").getDouble("mean_us"));
    assertEquals(3L, a.getJsonObject("limited").getLong("count"));
    assertEquals(1.0, a.getJsonObject("unlimited").getDouble("mean_us"));
    assertNull(TenantFigures.admission("laneway_requests_total{outcome=\"ok\"} 9\n"));
  }

  @Test
  void tenantsBlock_namesEveryKey_andLimitsOnlyB() {
    String t = TenantFigures.tenants(3, 1);
    assertTrue(t.contains("  - id: c\n    api_keys: [" + TenantFigures.hashed("bench-key-c") + "]\n    weight: 3\n"), t);
    assertTrue(t.contains("  - id: b\n    api_keys: [" + TenantFigures.hashed("bench-key-b") + "]\n    weight: 1\n    limits:\n      requests:"), t);
    assertEquals(1, t.split("limits:", -1).length - 1, t);
  }

  @Test
  void rules_sendEveryBenchTenantToTheOneLane() {
    String r = TenantFigures.rules();
    assertTrue(r.startsWith("  - name: bench-tenant-a\n    match: {tenant: a}\n    lanes: [{lane: hk-general}]\n"), r);
    assertEquals(4, r.split("lanes: \\[\\{lane: hk-general}]", -1).length - 1, r);
  }

  @Test
  void tokens_sumsTheCounts() {
    assertEquals(18, OipReplies.tokens("6,12"));
    assertEquals(0, OipReplies.tokens(null));
    assertEquals(0, OipReplies.tokens("6,x"));
  }
}
