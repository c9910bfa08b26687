package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;

/** A named bench scenario: runs on the caller's thread, starts (and always stops) its own gateway, returns its JSON. */
public interface Scenario {
  JsonObject run(BenchContext ctx);

  static Scenario named(String name) {
    return switch (name) {
      case "e2e" -> new E2eScenario();
      case "failover" -> new FailoverScenario();
      case "drift" -> new DriftScenario();
      case "mixed" -> new MixedScenario();
      case "overload" -> new OverloadScenario();
      case "regions" -> new RegionsScenario();
      case "tenants" -> new TenantsScenario();
      case "slo" -> new SloScenario();
      case "tls" -> new TlsScenario();
      case "train" -> new TrainScenario();
      case "floor" -> new FloorScenario();
      default -> throw new IllegalArgumentException("unknown scenario '" + name
          + "' (expected: drift, e2e, failover, floor, mixed, overload, regions, slo, tenants, tls, train)");
    };
  }
}
