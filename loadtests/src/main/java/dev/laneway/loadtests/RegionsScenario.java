package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code regions}: clients in {@code hk} and {@code intl} ({@code x-laneway-region}) at 25% of capacity each, over REST
 * JSON, with the policy's default routes; per region p50/p99 and where requests were served (lane and region counts).
 */
final class RegionsScenario implements Scenario {
  static final String[] REGIONS = {"hk", "intl"};

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int seconds = o.seconds(30, 3);
    JsonObject out = new JsonObject().put("scenario", "regions").put("model", o.model()).put("variant", o.variant())
        .put("seconds", seconds);
    try (GatewayProcess g = ctx.startGateway(); Http http = new Http("127.0.0.1", g.httpPort(), 30_000)) {
      out.put("gateway_log", g.log().toString());
      RestJsonClient client = new RestJsonClient(http);
      String why = ctx.probe(client);
      if (why != null) throw new IllegalStateException("REST JSON front door failed its probe: " + why);
      ctx.warmUp(client, 10, 8);
      double rate = ctx.capacity(client, out) * 0.25;
      out.put("rate_sps_per_region", BenchContext.round(rate));
      List<Supplier<Recording>> loops = List.of(
          () -> ctx.load(client, "client in " + REGIONS[0], rate, seconds, REGIONS[0], null),
          () -> ctx.load(client, "client in " + REGIONS[1], rate, seconds, REGIONS[1], null));
      List<Recording> rs = ParallelLoad.run(loops);
      JsonObject regions = new JsonObject();
      long lost = 0;
      for (int i = 0; i < REGIONS.length; i++) {
        JsonObject s = BenchContext.summary(rs.get(i));
        regions.put(REGIONS[i], s);
        out.put(REGIONS[i] + "_p50_ms", s.getValue("p50_ms")).put(REGIONS[i] + "_p99_ms", s.getValue("p99_ms"));
        lost += rs.get(i).sent() - rs.get(i).answered();
      }
      out.put("lost", lost).put("clients", regions);
    }
    return out;
  }
}
