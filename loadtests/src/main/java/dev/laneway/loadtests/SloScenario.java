package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code slo}: the SLO guard's shedding, off then on, in one run and at the same rates. A batch flood (1.0x the
 * interactive capacity found on the first gateway) and a light interactive load (0.3x) go to a gateway with
 * {@code --slo-shedding false}, then to a fresh one with {@code --slo-shedding true} (the embedded default SLO file:
 * interactive 99% within 50 ms; batch is shed above a 6x burn). Per phase: interactive p50/p99 over the whole step
 * and over its second half, batch answered and refused, and what {@code /v2/slo} said at the end.
 */
final class SloScenario implements Scenario {
  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int seconds = o.seconds(30, 4);
    JsonObject out = new JsonObject().put("scenario", "slo").put("model", o.model()).put("variant", o.variant())
        .put("seconds", seconds);
    double capacity = -1;
    for (boolean on : new boolean[] {false, true}) {
      String label = on ? "shedding on" : "shedding off";
      try (GatewayProcess g = ctx.startGateway(List.of("--slo-shedding", String.valueOf(on)));
          Http http = new Http("127.0.0.1", g.httpPort(), 30_000)) {
        RestJsonClient client = new RestJsonClient(http);
        ctx.requireProbe(client, "REST JSON");
        ctx.warmUp(client, 10, 8);
        if (capacity < 0) {
          capacity = ctx.capacity(client, out, "hk", "interactive");
          out.put("capacity_sps", BenchContext.round(capacity));
        }
        double interactive = capacity * 0.3;
        double batch = capacity;
        List<Supplier<Recording>> loops = List.of(
            () -> ctx.load(client, label + ": interactive", interactive, seconds, "hk", "interactive"),
            () -> ctx.load(client, label + ": batch", batch, seconds, "hk", "batch"));
        List<Recording> rs = ParallelLoad.run(loops);
        Recording i = rs.get(0);
        Recording b = rs.get(1);
        JsonObject phase = new JsonObject()
            .put("interactive", BenchContext.summary(i)).put("batch", BenchContext.summary(b))
            .put("interactive_p50_ms", BenchContext.round(Recording.ms(i.latency(), 50)))
            .put("interactive_p99_ms", BenchContext.round(Recording.ms(i.latency(), 99)))
            .put("interactive_p99_ms_second_half", BenchContext.round(Recording.ms(i.between(seconds / 2, seconds),
                99)))
            .put("batch_answered", b.succeeded()).put("batch_refused", b.failed()).put("batch_errors", b.errors())
            .put("slo_at_end", slo(g.httpPort()));
        out.put(on ? "shedding_on" : "shedding_off", phase);
        ctx.progress().println("[bench] " + label + ": interactive p99 " + phase.getValue("interactive_p99_ms")
            + " ms (second half " + phase.getValue("interactive_p99_ms_second_half") + "), batch answered "
            + b.succeeded() + ", refused " + b.failed() + " " + b.errors());
      }
    }
    for (String k : List.of("interactive_p99_ms", "interactive_p99_ms_second_half", "batch_answered",
        "batch_refused")) {
      out.put(k + "_off", out.getJsonObject("shedding_off").getValue(k))
          .put(k + "_on", out.getJsonObject("shedding_on").getValue(k));
    }
    return out;
  }

  /** {@code GET /v2/slo}'s shedding state and interactive burn rates, or the error. */
  static JsonObject slo(int port) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/v2/slo")).GET().build(), HttpResponse.BodyHandlers.ofString());
      JsonObject s = new JsonObject(r.body());
      JsonObject burns = new JsonObject();
      for (Object x : s.getJsonArray("objectives")) {
        JsonObject obj = (JsonObject) x;
        if (obj.getString("latency_class").equals("interactive")) {
          burns.put(obj.getString("slo"), obj.getJsonObject("windows").getJsonObject("5m").getValue("burn_rate"));
        }
      }
      return new JsonObject().put("shedding", s.getJsonObject("shedding").getString("state"))
          .put("interactive_burn_5m", burns);
    } catch (Exception e) {
      return new JsonObject().put("error", String.valueOf(e));
    }
  }
}
