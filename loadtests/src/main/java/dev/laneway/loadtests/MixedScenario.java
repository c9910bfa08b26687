package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code mixed}: {@code interactive} and {@code batch} latency classes together at saturation (1.2x capacity in all,
 * half each) over REST JSON; per class p50/p99, throughput and failures. With priorities the interactive class keeps
 * its latency while the batch class absorbs the queueing.
 */
final class MixedScenario implements Scenario {
  static final String[] CLASSES = {"interactive", "batch"};

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int seconds = o.seconds(30, 3);
    JsonObject out = new JsonObject().put("scenario", "mixed").put("model", o.model()).put("variant", o.variant())
        .put("seconds", seconds);
    try (GatewayProcess g = ctx.startGateway(); Http http = new Http("127.0.0.1", g.httpPort(), 30_000)) {
      out.put("gateway_log", g.log().toString());
      RestJsonClient client = new RestJsonClient(http);
      ctx.requireProbe(client, "REST JSON");
      ctx.warmUp(client, 10, 8);
      double rate = ctx.capacity(client, out) * 1.2;
      out.put("rate_sps", BenchContext.round(rate));
      List<Supplier<Recording>> loops = List.of(
          () -> ctx.load(client, CLASSES[0], rate / 2, seconds, "hk", CLASSES[0]),
          () -> ctx.load(client, CLASSES[1], rate / 2, seconds, "hk", CLASSES[1]));
      List<Recording> rs = ParallelLoad.run(loops);
      JsonObject classes = new JsonObject();
      for (int i = 0; i < CLASSES.length; i++) {
        JsonObject s = BenchContext.summary(rs.get(i));
        classes.put(CLASSES[i], s);
        out.put(CLASSES[i] + "_p50_ms", s.getValue("p50_ms")).put(CLASSES[i] + "_p99_ms", s.getValue("p99_ms"))
            .put(CLASSES[i] + "_sps", s.getValue("throughput_sps"));
      }
      out.put("lost", rs.get(0).sent() - rs.get(0).answered() + rs.get(1).sent() - rs.get(1).answered());
      out.put("classes", classes);
    }
    return out;
  }
}
