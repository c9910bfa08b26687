package dev.laneway.loadtests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code e2e}: the in-process ONNX Runtime limit (batches sorted by length, the lane's best case; the same in request
 * order is reported beside it as {@code limit.unsorted_sps}, to show how much of a gap is batching), then over REST JSON ("http") and gRPC unary the highest rate whose p99
 * stays under 100 ms (a short step search: grow by 1.4x until a step fails, then bisect; a step that failed only on
 * p99 with everything answered is tried once more), p50/p99 at 25, 50 and 80% of
 * it, the gateway's overhead at 25% (client latency minus the gateway's {@code executor_ms}), and one step at 50% for
 * every other front door (REST binary, ModelStreamInfer, OpenAI). Before the gateway starts, the load generator warms
 * its own REST client for 10 s at half the limit against a {@link NullOipServer} in this process (not in --smoke), so
 * the first step measures a fresh gateway and not a cold load generator. Each searched door is first warmed at half
 * the limit (JIT, both processes); each search step records the CPU per request by thread group in the gateway and in this
 * process ({@code cpu_us_per_request}, from {@code /proc}), which shows where the two cores went. A front door the
 * gateway does not serve is recorded as {@code unavailable} with the reason, not failed.
 *
 * <p>With {@code --target}, the same steps and report against any OIP server the bench did not start (as Triton's
 * {@code perf_analyzer} does): no gateway CPU breakdown (its process is not known here), and no {@code overhead}
 * unless the server reports Laneway's {@code executor_ms}. The in-process limit is measured all the same: it is this
 * machine's reference for the model, whoever serves it.
 */
final class E2eScenario implements Scenario {
  static final double P99_LIMIT_MS = 100;

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int step = o.seconds(8, 2);
    JsonObject out = new JsonObject().put("scenario", "e2e").put("model", o.model()).put("variant", o.variant());
    OrtLimit.Result limit = ctx.limit(true, o.smoke() ? 1 : 2, o.smoke() ? 2 : 8);
    OrtLimit.Result unsorted = limit == null || o.smoke() ? null : ctx.limit(false, 1, 4);
    double limitSps = limit == null ? Double.NaN : limit.sentencesPerSecond();
    out.put("limit_sps", BenchContext.round(limitSps));
    if (limit != null) out.put("limit", new JsonObject().put("instances", limit.instances()).put("batch", limit.batchSize())
        .put("max_batch_tokens", limit.maxBatchTokens())
        .put("sentences", limit.sentences()).put("seconds", BenchContext.round(limit.seconds()))
        .put("sorted_by_length", true)
        .put("unsorted_sps", unsorted == null ? null : BenchContext.round(unsorted.sentencesPerSecond())));
    if (!o.smoke()) {
      // the first measured step is a fresh gateway's: the load generator's own request path is compiled first, against
      // a server that computes nothing, so that the step measures the gateway and not this JVM's JIT
      double warm = o.rate() > 0 ? o.rate() : Double.isNaN(limitSps) ? 50 : limitSps * 0.5;
      out.put("load_generator_warm_up", NullOipServer.warmLoadGenerator(ctx, warm, 10));
    }
    try (Target g = ctx.target();
        Http http = new Http(g.host(), g.httpPort(), 30_000);
        GrpcClients grpc = g.grpcPort() > 0 ? new GrpcClients(g.host(), g.grpcPort(), 30_000) : null) {
      out.put("server", g.describe());
      if (g.owned() != null) out.put("gateway_log", g.owned().log().toString());
      double start = Double.isNaN(limitSps) ? 50 : Math.max(5, limitSps * 0.3);
      JsonObject transports = new JsonObject();
      out.put("transports", transports);
      double httpMax = measure(ctx, g, new RestJsonClient(http), "http", start, step, transports, out);
      InferClient grpcUnary = grpc == null ? null : grpc.unary();
      double grpcMax = grpcUnary == null ? unavailable(transports, "grpc",
          g.owned() != null ? "gateway logged no gRPC port" : "no --target-grpc")
          : measure(ctx, g, grpcUnary, "grpc", start, step, transports, out);
      out.put("http_max_sps_p99_100ms", BenchContext.round(httpMax));
      out.put("grpc_max_sps_p99_100ms", BenchContext.round(grpcMax));
      out.put("http_ratio", ratio(httpMax, limitSps));
      out.put("grpc_ratio", ratio(grpcMax, limitSps));
      double base = Double.isNaN(httpMax) ? start : httpMax;
      List<InferClient> others = new ArrayList<>(List.of(new RestBinaryClient(http), new OpenAiClient(http)));
      if (grpc != null) others.add(1, grpc.stream());
      for (InferClient c : others) {
        String why = ctx.probe(c);
        if (why != null) {
          unavailable(transports, c.name(), why);
          continue;
        }
        ctx.warmUp(c, base * 0.25, 2);
        Recording r = ctx.load(c, c.name() + " @50%", base * 0.5, o.seconds(5, 2), null, null);
        transports.put(c.name(), new JsonObject().put("available", true).put("at_50pct", BenchContext.summary(r)));
        c.close();
      }
    }
    return out;
  }

  private static Double ratio(double max, double limit) {
    return Double.isNaN(max) || Double.isNaN(limit) || limit <= 0 ? null : Math.round(max / limit * 100) / 100.0;
  }

  private static double unavailable(JsonObject transports, String name, String why) {
    transports.put(name, new JsonObject().put("available", false).put("unavailable", why));
    return Double.NaN;
  }

  /** Step search, then the 25/50/80% points; fills {@code out} with this front door's fields. */
  static double measure(BenchContext ctx, Target g, InferClient client, String name, double start,
      int step, JsonObject transports, JsonObject out) {
    String why = ctx.probe(client);
    if (why != null) return unavailable(transports, name, why);
    ctx.warmUp(client, start * 0.25, 4);
    if (!ctx.options().smoke()) {
      // JIT warm-up at half the limit for 12 s (the search starts at 30%): a fresh gateway and client compile their
      // hot paths for 40-50 s of load (measured: the compiler threads took 0.7-0.9 ms of CPU per request in the
      // gateway and 0.5-1.2 ms in the client during the first search steps after a 12 s warm-up, ~0.1 ms after 50 s),
      // which the search would otherwise pay for
      // --rate fixes it, so that runs whose limits differ (this host: +-12% between runs) offer the same load
      double warm = ctx.options().rate() > 0 ? ctx.options().rate() : start / 0.3 * 0.5;
      ctx.load(client, name + " warm-up at " + Math.round(warm) + "/s", warm, 12, null, null);
      pause();
    }
    boolean smoke = ctx.options().smoke();
    JsonArray steps = new JsonArray();
    double rate = start;
    double pass = Double.NaN;
    double fail = Double.NaN;
    int maxSteps = smoke ? 3 : 12;
    // at most 8 steps' time for the search (retries included), so that e2e stays under 5 minutes (~4.5) with two
    // searched front doors, their warm-ups and the other doors' steps
    long searchEnd = System.nanoTime() + 8L * (step + 1) * 1_000_000_000L;
    JsonObject passCpu = null;
    for (int i = 0; i < maxSteps && System.nanoTime() + step * 1_000_000_000L <= searchEnd; i++) {
      JsonObject s = step(ctx, g, client, String.format(Locale.ROOT, "%s search %.0f/s", name, rate), rate, step);
      steps.add(s);
      pause();
      if (!s.getBoolean("pass") && !smoke && s.getLong("failed") == 0 && s.getLong("lost") == 0) {
        // only the tail failed, with every request answered: on a shared machine that is often another process's
        // burst, so the step gets one more try before it counts
        s = step(ctx, g, client, String.format(Locale.ROOT, "%s search %.0f/s retry", name, rate), rate, step)
            .put("retry", true);
        steps.add(s);
        pause();
      }
      boolean ok = s.getBoolean("pass");
      if (ok) {
        pass = rate;
        passCpu = s.getJsonObject("cpu_us_per_request");
      } else {
        fail = rate;
      }
      if (Double.isNaN(fail)) {
        rate *= smoke ? 2 : 1.4;
      } else if (Double.isNaN(pass)) {
        rate /= 2;
        if (rate < 1) break;
      } else {
        if (smoke || fail / pass < 1.08) break;
        rate = (pass + fail) / 2;
      }
    }
    JsonObject t = new JsonObject().put("available", true).put("steps", steps);
    transports.put(name, t);
    if (Double.isNaN(pass)) {
      t.put("note", "no rate kept p99 under " + P99_LIMIT_MS + " ms");
      return Double.NaN;
    }
    double max = pass;
    t.put("max_sps_p99_100ms", BenchContext.round(max));
    if (passCpu != null) out.put(name + "_cpu_us_per_request_at_max", passCpu);
    for (int pct : new int[] {25, 50, 80}) {
      Recording r = ctx.load(client, name + " @" + pct + "%", max * pct / 100.0, step, null, null);
      JsonObject s = BenchContext.summary(r);
      t.put("at_" + pct + "pct", s);
      out.put(name + "_p50_ms_at_" + pct + "pct", s.getValue("p50_ms"));
      out.put(name + "_p99_ms_at_" + pct + "pct", s.getValue("p99_ms"));
      if (pct == 25) out.put(name + "_overhead_p50_ms", s.getValue("overhead_p50_ms"));
      pause();
    }
    return max;
  }

  /**
   * One open-loop step at {@code rate}: its summary, whether it passed, and the CPU per answered request by thread
   * group in the gateway and in this process (the load generator; null where {@code /proc} cannot be read): where the
   * two cores went, which decides how close to the in-process limit the gateway can get on a machine it shares with its
   * clients.
   */
  private static JsonObject step(BenchContext ctx, Target g, InferClient client, String label, double rate,
      int seconds) {
    long me = ProcessHandle.current().pid();
    Map<String, Long> gw0 = g.pid() > 0 ? ThreadCpu.sample(g.pid()) : null;
    Map<String, Long> me0 = ThreadCpu.sample(me);
    long t0 = System.nanoTime();
    Recording r = ctx.load(client, label, rate, seconds, null, null);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    JsonObject gw = gw0 == null ? null : ThreadCpu.perRequest(gw0, ThreadCpu.sample(g.pid()), r.answered(), elapsed);
    JsonObject lg = ThreadCpu.perRequest(me0, ThreadCpu.sample(me), r.answered(), elapsed);
    return BenchContext.summary(r).put("rate", BenchContext.round(rate)).put("pass", passes(r))
        .put("cpu_us_per_request", gw == null && lg == null ? null
            : new JsonObject().put("gateway", gw).put("load_generator", lg));
  }

  /**
   * A step passes when p99 is under the limit, under 1% failed and nothing lost. (The offered rate is what the step
   * reports as its throughput: with Poisson arrivals the achieved count varies by a few percent around it.)
   */
  static boolean passes(Recording r) {
    double p99 = Recording.ms(r.latency(), 99);
    return !Double.isNaN(p99) && p99 <= P99_LIMIT_MS && r.failed() <= r.sent() / 100 && r.sent() == r.answered();
  }

  private static void pause() {
    BenchContext.pause(1000);
  }
}
