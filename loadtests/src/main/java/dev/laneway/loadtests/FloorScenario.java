package dev.laneway.loadtests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * {@code floor}: what the load generator measures against a server that does no work ({@link NullOipServer}, in this
 * process: one event loop that answers each OIP REST JSON request at once with a real answer's size), at the rates
 * {@code e2e} measures Laneway at. Its latency is the floor under e2e's door overhead (client latency minus the
 * gateway's {@code executor_ms}) on this machine: the load generator's encode, HTTP and parse, two loopback
 * traversals and the wake-ups, with no gateway at all. {@code --rate R}: the highest rate (default 450/s); the steps
 * are 25%, 50% and 100% of it, after a warm-up at the highest.
 */
final class FloorScenario implements Scenario {
  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    double top = o.rate() > 0 ? o.rate() : 450;
    int seconds = o.seconds(10, 2);
    JsonObject out = new JsonObject().put("scenario", "floor").put("rate", top);
    try (NullOipServer server = NullOipServer.start(); Http http = new Http("127.0.0.1", server.port(), 30_000)) {
      RestJsonClient client = new RestJsonClient(http);
      ctx.load(client, String.format(Locale.ROOT, "floor warm-up at %.0f/s", top), top, o.smoke() ? 2 : 15, null, null);
      JsonArray steps = new JsonArray();
      for (double share : new double[] {0.25, 0.5, 1.0}) {
        double rate = top * share;
        Recording r = ctx.load(client, String.format(Locale.ROOT, "floor at %.0f/s", rate), rate, seconds, null, null);
        steps.add(BenchContext.summary(r).put("rate", BenchContext.round(rate)).put("share", share));
      }
      out.put("steps", steps);
    }
    return out;
  }
}
