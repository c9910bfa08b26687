package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * {@code tenants} (issue 15: tenants, weighted fair share in tokens, per-tenant limits): one gateway, REST JSON from
 * region {@code hk}, every tenant named by its {@code x-api-key}; the tenants are in the policy file
 * ({@link TenantFigures#tenants}), rewritten and reloaded between phases, each sent by a rule of its own to
 * {@value TenantFigures#LANE} only ({@link TenantFigures#rules}: no fallback to another lane, so the flood and the
 * fairness pair contend for that lane).
 *
 * <ol>
 *   <li><b>Capacity.</b> The standard class's saturation throughput on that lane, by {@link BenchContext#capacity}
 *       from 20/s, sent as tenant B ({@code --rate} stands for it).
 *   <li><b>Noisy neighbour.</b> Tenant B sends {@code standard} at 10% of capacity alone; then tenant A floods
 *       {@code batch} at 3x capacity while B goes on. First, unmeasured, both together for up to
 *       {@value #WARM_UP_SECONDS} s, so that the JIT has compiled the flood's paths before B alone is measured.
 *       B's p50/p99 alone and under the flood, every non-200 of B's by
 *       status (the target: none), A's answers by status, and {@code b_p99_ratio} = p99 under the flood / p99 alone
 *       (the target: at most 1.5). Between the two, B alone again beside one core kept busy by a process outside
 *       the gateway ({@link BusyCore}): {@code b_p99_ratio_busy_core} is what the machine alone does to B's p99 when
 *       one of its cores is taken by work of the same OS priority, to set beside the flood's ratio (A's admitted work
 *       keeps a core busy too; with {@code batch_nice} at a lower priority).
 *   <li><b>Fairness.</b> Tenants C and D both send {@code standard} to the same lane at 1.5x capacity each. Equal
 *       weights, C one sentence per request and D three sentences in one text at a third of C's request rate (so both
 *       offer about the same tokens: the fair share is charged in tokens, not requests); then weights 3:1, both one sentence per request. Served tokens per tenant (the
 *       {@code token_counts} the answers report, summed), shares, C:D ratio (the target with 3:1: 3 +- 10%) and Jain's
 *       index over served tokens / weight (1: exactly the weighted share). {@code targets_met}: the targets
 *       against this run's figures.
 *   <li><b>Admission cost.</b> At the end, {@value TenantFigures#ADMISSION}'s {@code _sum / _count} per
 *       {@code limited} label from {@code /metrics}: the mean admission cost in us of the limited tenant (B) and the
 *       unlimited ones (A, C, D), from this run; null, with a note, when the gateway does not export it.
 * </ol>
 *
 * <p>A gateway that parses the tenant keys but has neither the fair share nor the limiter yet runs all of it (the
 * "before" figures). Threads: the caller's thread runs the phases; two-tenant phases run their loads on two threads
 * ({@link ParallelLoad}); each tenant has its own HTTP client, the flooding ones a pool sized as overload sizes its
 * flood's ({@link OverloadScenario#pool}).
 */
final class TenantsScenario implements Scenario {
  static final String REGION = "hk";
  static final String CLASS = "standard";
  static final String FLOOD_CLASS = "batch";
  static final double SEARCH_FROM = 20;
  static final double PROBE_SHARE = 0.10;
  static final double FLOOD_FACTOR = 3;
  static final double FAIR_FACTOR = 1.5;
  /** Sentences in one text of D's in the equal-weight sub-phase. */
  static final int LONG_TEXT = 3;
  static final double P99_RATIO_TARGET = 1.5;
  /** The noisy-neighbour phase's unmeasured warm-up: A's flood and B together, at most this long. */
  static final int WARM_UP_SECONDS = 10;

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    if (o.gatewayArgs().stream().anyMatch(a -> a.startsWith("--policy"))) {
      throw new IllegalArgumentException("tenants writes its own --policy file: drop --gateway-arg --policy");
    }
    int seconds = o.seconds(20, 2);
    PolicyFile policy = PolicyFile.create(o.jsonFile().toAbsolutePath().getParent().resolve("tenants-policy.yaml"));
    JsonObject out = new JsonObject().put("scenario", "tenants").put("model", o.model()).put("variant", o.variant())
        .put("seconds_per_phase", seconds).put("lane", TenantFigures.LANE);
    JsonObject setup = new JsonObject().put("policy_file", policy.file().toString())
        .put("loadavg_start", OverloadScenario.loadavg());
    try (GatewayProcess g = ctx.startGateway(List.of("--policy", policy.file().toString()));
        Http http = new Http("127.0.0.1", g.httpPort(), 30_000);
        Http adminHttp = new Http("127.0.0.1", g.adminPort(), 30_000, 4)) {
      setup.put("gateway_log", g.log().toString());
      AdminClient admin = new AdminClient(adminHttp, g.adminToken());
      JsonObject reload = policy.applyTenants(TenantFigures.tenants(1, 1), TenantFigures.rules(), "", admin);
      setup.put("policy", reload);
      if (reload.containsKey("unavailable")) {
        throw new IllegalStateException("the gateway refused the tenants' policy: " + reload.getString("unavailable"));
      }
      RestJsonClient client = new RestJsonClient(http);
      ctx.requireProbe(client, "REST JSON");
      ctx.warmUp(client, 10, 8);
      JsonObject cap = new JsonObject();
      // as tenant B, so that the search measures the one lane the tenants' rules send them to
      double c = ctx.capacity(asTenant(client, "b"), cap, REGION, CLASS, SEARCH_FROM);
      cap.put("tenant", "b").put("lane", TenantFigures.LANE);
      out.put("capacity_sps", cap.getValue("capacity_sps")).put("capacity_from", cap.getValue("capacity_from"));
      JsonObject noisy = noisyNeighbour(ctx, g, client, c, seconds);
      JsonObject fair = fairness(ctx, g, admin, policy, c, seconds);
      JsonObject admission = admission(ctx, g);
      JsonObject bAlone = noisy.getJsonObject("b_alone");
      JsonObject bFlood = noisy.getJsonObject("b_flood");
      JsonObject equal = fair.getJsonObject("equal");
      JsonObject weighted = fair.getJsonObject("weighted");
      out.put("b_rate_sps", noisy.getValue("b_rate_sps")).put("a_flood_rate_sps", noisy.getValue("a_rate_sps"))
          .put("b_p50_ms_alone", bAlone.getValue("p50_ms")).put("b_p99_ms_alone", bAlone.getValue("p99_ms"))
          .put("b_p50_ms_flood", bFlood.getValue("p50_ms")).put("b_p99_ms_flood", bFlood.getValue("p99_ms"))
          .put("b_p99_ratio", noisy.getValue("b_p99_ratio"))
          .put("b_p99_ms_busy_core", noisy.getJsonObject("b_busy_core").getValue("p99_ms"))
          .put("b_p99_ratio_busy_core", noisy.getValue("b_p99_ratio_busy_core"))
          .put("b_failures_alone", bAlone.getValue("not_ok")).put("b_failures_flood", bFlood.getValue("not_ok"))
          .put("a_succeeded", noisy.getJsonObject("a_flood").getValue("succeeded"))
          .put("a_refused", noisy.getJsonObject("a_flood").getValue("not_ok"))
          .put("fair_equal_share_c", share(equal, "c")).put("fair_equal_share_d", share(equal, "d"))
          .put("fair_equal_jain", equal.getValue("jain_index"))
          .put("fair_weighted_ratio", weighted.getValue("served_tokens_ratio_c_to_d"))
          .put("fair_weighted_jain", weighted.getValue("jain_index"))
          .put("admission_us_limited", mean(admission, "limited"))
          .put("admission_us_unlimited", mean(admission, "unlimited"))
          .put("targets_met", targets(out))
          .put("noisy_neighbour", noisy).put("fairness", fair).put("admission", admission)
          .put("capacity", cap).put("setup", setup.put("loadavg_end", OverloadScenario.loadavg()));
    }
    return out;
  }

  /** Phase 2: B alone, then B during A's batch flood. */
  private static JsonObject noisyNeighbour(BenchContext ctx, GatewayProcess g, RestJsonClient b, double capacity,
      int seconds) {
    double bRate = Math.max(5, PROBE_SHARE * capacity); // a few answers a second, even in --smoke
    double aRate = FLOOD_FACTOR * capacity;
    int pool = OverloadScenario.pool(aRate, ctx.options().timeoutMs());
    LongFunction<CompletableFuture<Reply>> sendB = i -> b.infer(request(ctx, i, CLASS, "b"));
    // the flood's paths (refusals, expiries, the batch class's batches) compiled before anything is measured: without
    // this the flood phase also measures both JVMs' JIT compiling them, on the same two cores (C2 took 25-40% of a
    // core in the first flood seconds)
    int warm = Math.min(seconds, WARM_UP_SECONDS);
    ctx.progress().println("[bench] noisy neighbour: warm-up, A floods and B sends for " + warm + " s (not measured)");
    flood(ctx, g, pool, aRate, bRate, warm, sendB, "warm-up: ");
    BenchContext.pause(2000);
    ctx.progress().println("[bench] noisy neighbour: B " + CLASS + " alone at " + BenchContext.fmt(bRate) + "/s");
    Recording alone = ctx.load("B " + CLASS + " alone", bRate, seconds, sendB);
    ctx.report().mark(alone, 0, "B alone");
    BenchContext.pause(1000);
    ctx.progress().println("[bench] noisy neighbour: B again, beside one core kept busy outside the gateway");
    Recording busy;
    try (BusyCore core = new BusyCore()) {
      busy = ctx.load("B " + CLASS + " beside a busy core", bRate, seconds, sendB);
    }
    ctx.report().mark(busy, 0, "one core busy outside the gateway");
    BenchContext.pause(1000);
    ctx.progress().println("[bench] noisy neighbour: B again, and A floods " + FLOOD_CLASS + " at "
        + BenchContext.fmt(aRate) + "/s");
    List<Recording> rs = flood(ctx, g, pool, aRate, bRate, seconds, sendB, "");
    for (Recording r : rs) ctx.report().mark(r, 0, "A floods " + FLOOD_CLASS + " at " + BenchContext.fmt(aRate) + "/s");
    JsonObject bAlone = tenant(alone);
    JsonObject bFlood = tenant(rs.get(0));
    JsonObject bBusy = tenant(busy);
    Double p99Alone = bAlone.getDouble("p99_ms");
    BenchContext.pause(2000); // the flood's queues empty before the next phase
    return new JsonObject().put("b_rate_sps", BenchContext.round(bRate)).put("a_rate_sps", BenchContext.round(aRate))
        .put("a_pool", pool).put("warm_up_s", warm)
        .put("b_p99_ratio", ratio(bFlood, p99Alone)).put("b_p99_ratio_busy_core", ratio(bBusy, p99Alone))
        .put("b_alone", bAlone).put("b_busy_core", bBusy).put("b_flood", bFlood).put("a_flood", tenant(rs.get(1)));
  }

  /** B at {@code bRate} and A's flood at {@code aRate} together for {@code seconds}: B's recording, then A's. */
  private static List<Recording> flood(BenchContext ctx, GatewayProcess g, int pool, double aRate, double bRate,
      int seconds, LongFunction<CompletableFuture<Reply>> sendB, String label) {
    try (Http floodHttp = new Http("127.0.0.1", g.httpPort(), 30_000, pool)) {
      RestJsonClient a = new RestJsonClient(floodHttp);
      return ParallelLoad.run(List.of(
          () -> ctx.load(label + "B " + CLASS + " during A's flood", bRate, seconds, sendB),
          () -> ctx.load(label + "A " + FLOOD_CLASS + " flood", aRate, seconds,
              i -> a.infer(request(ctx, i, FLOOD_CLASS, "a")))));
    }
  }

  /** {@code phase}'s p99 over {@code p99Alone}, two decimals; null when either is missing. */
  private static Double ratio(JsonObject phase, Double p99Alone) {
    Double p99 = phase.getDouble("p99_ms");
    return p99Alone == null || p99 == null || p99Alone <= 0 ? null : Math.round(p99 / p99Alone * 100) / 100.0;
  }

  /** Phase 3: C and D over capacity, equal weights (D's texts three times as long), then 3:1. */
  private static JsonObject fairness(BenchContext ctx, GatewayProcess g, AdminClient admin, PolicyFile policy,
      double capacity, int seconds) {
    double rate = FAIR_FACTOR * capacity;
    int pool = OverloadScenario.pool(rate, ctx.options().timeoutMs());
    try (Http hc = new Http("127.0.0.1", g.httpPort(), 30_000, pool);
        Http hd = new Http("127.0.0.1", g.httpPort(), 30_000, pool)) {
      RestJsonClient c = new RestJsonClient(hc);
      RestJsonClient d = new RestJsonClient(hd);
      JsonObject equal = fairPhase(ctx, admin, policy, c, d, "equal", 1, 1, true, rate, seconds);
      BenchContext.pause(2000);
      JsonObject weighted = fairPhase(ctx, admin, policy, c, d, "weighted", 3, 1, false, rate, seconds);
      return new JsonObject().put("rate_sps_per_tenant", BenchContext.round(rate)).put("pool", pool)
          .put("equal", equal).put("weighted", weighted);
    }
  }

  private static JsonObject fairPhase(BenchContext ctx, AdminClient admin, PolicyFile policy, RestJsonClient c,
      RestJsonClient d, String name, double wc, double wd, boolean longD, double rate, int seconds) {
    JsonObject reload = policy.applyTenants(TenantFigures.tenants(wc, wd), TenantFigures.rules(), "", admin);
    if (reload.containsKey("unavailable")) {
      ctx.report().note("fairness " + name + ": the gateway refused the weights " + wc + ":" + wd + " ("
          + reload.getString("unavailable") + "); it ran on the policy it had");
    }
    BenchContext.pause(500);
    double dRate = longD ? rate / LONG_TEXT : rate;
    AtomicLong tokensC = new AtomicLong();
    AtomicLong tokensD = new AtomicLong();
    String label = "fairness " + name + " (" + weight(wc) + ":" + weight(wd) + ")";
    ctx.progress().println("[bench] " + label + ": C at " + BenchContext.fmt(rate) + "/s, D at "
        + BenchContext.fmt(dRate) + "/s" + (longD ? " with " + LONG_TEXT + " sentences per text" : ""));
    List<Recording> rs = ParallelLoad.run(List.of(
        () -> ctx.load(label + " C", rate, seconds, i -> counted(c.infer(request(ctx, i, CLASS, "c")), tokensC)),
        () -> ctx.load(label + " D", dRate, seconds, i -> {
          Request r = request(ctx, i, CLASS, "d");
          if (longD) r = r.withTexts(List.of(longText(ctx.corpus(), i)));
          return counted(d.infer(r), tokensD);
        })));
    for (Recording r : rs) ctx.report().mark(r, 0, label);
    double[] served = {tokensC.get(), tokensD.get()};
    double[] weights = {wc, wd};
    double total = served[0] + served[1];
    JsonObject tc = tenant(rs.get(0)).put("weight", wc).put("rate_sps", BenchContext.round(rate))
        .put("texts", "one sentence").put("served_tokens", tokensC.get())
        .put("token_share", total > 0 ? Math.round(served[0] / total * 10000) / 10000.0 : null);
    JsonObject td = tenant(rs.get(1)).put("weight", wd).put("rate_sps", BenchContext.round(dRate))
        .put("texts", longD ? LONG_TEXT + " sentences in one text" : "one sentence").put("served_tokens", tokensD.get())
        .put("token_share", total > 0 ? Math.round(served[1] / total * 10000) / 10000.0 : null);
    if (total == 0) ctx.report().note(label + ": no answer reported token_counts, so no shares");
    return new JsonObject().put("policy", reload).put("served_tokens_per_s", BenchContext.round(total / seconds))
        .put("served_tokens_ratio_c_to_d", served[1] > 0 ? Math.round(served[0] / served[1] * 1000) / 1000.0 : null)
        .put("target_ratio_c_to_d", wc / wd)
        .put("jain_index", TenantFigures.jain(served, weights)).put("c", tc).put("d", td);
  }

  /**
   * The targets against this run's figures (null where a figure is missing): B's p99 under the flood at most
   * {@value #P99_RATIO_TARGET}x alone, none of B's requests without a 200 under the flood, and C:D = 3 +- 10% with 3:1.
   */
  static JsonObject targets(JsonObject out) {
    Double ratio = out.getDouble("b_p99_ratio");
    Long failures = out.getLong("b_failures_flood");
    Double weighted = out.getDouble("fair_weighted_ratio");
    return new JsonObject()
        .put("b_p99_ratio_le_1_5", ratio == null ? null : ratio <= P99_RATIO_TARGET)
        .put("b_no_failures_under_flood", failures == null ? null : failures == 0)
        .put("fair_weighted_ratio_3_pm_10pct", weighted == null ? null : Math.abs(weighted - 3) <= 0.3);
  }

  /** Phase 4: the admission histogram's means, or null with a note when the gateway does not export it. */
  private static JsonObject admission(BenchContext ctx, GatewayProcess g) {
    String why;
    if (g.metricsPort() <= 0) {
      why = "the gateway logged no metrics port";
    } else {
      try (Http m = new Http("127.0.0.1", g.metricsPort(), 10_000, 2)) {
        Http.Response r = m.get("/metrics").get(15, TimeUnit.SECONDS);
        JsonObject a = r.status() == 200 ? TenantFigures.admission(r.body().toString()) : null;
        if (a != null) return a.put("metric", TenantFigures.ADMISSION);
        why = r.status() == 200 ? "no " + TenantFigures.ADMISSION + " series with a limited label in /metrics"
            : "/metrics answered " + r.status();
      } catch (Exception e) {
        why = "/metrics: " + Http.reason(e);
      }
    }
    ctx.report().note("admission cost not measured: " + why);
    return new JsonObject().put("metric", TenantFigures.ADMISSION).put("unavailable", why);
  }

  /** Request {@code i} of tenant {@code id} in {@code latencyClass}. */
  private static Request request(BenchContext ctx, long i, String latencyClass, String id) {
    return ctx.request(i, REGION, latencyClass).withApiKey(TenantFigures.key(id));
  }

  /** {@code client} sending every request as tenant {@code id}. */
  static InferClient asTenant(InferClient client, String id) {
    return new InferClient() {
      @Override
      public String name() {
        return client.name();
      }

      @Override
      public CompletableFuture<Reply> infer(Request r) {
        return client.infer(r.withApiKey(TenantFigures.key(id)));
      }

      @Override
      public void close() {}
    };
  }

  /** {@value #LONG_TEXT} sentences of the corpus in one text. */
  static String longText(Corpus corpus, long i) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < LONG_TEXT; k++) b.append(k == 0 ? "" : " ").append(corpus.text(i * LONG_TEXT + k));
    return b.toString();
  }

  /** Adds a successful answer's tokens to {@code served}. */
  private static CompletableFuture<Reply> counted(CompletableFuture<Reply> f, AtomicLong served) {
    return f.thenApply(r -> {
      if (r.ok()) served.addAndGet(r.tokens());
      return r;
    });
  }

  /** One tenant's run: its summary, every answer by status, and how many were not 200. */
  private static JsonObject tenant(Recording r) {
    return BenchContext.summary(r).put("answered", r.answered()).put("not_ok", TenantFigures.notOk(r))
        .put("by_status", TenantFigures.byStatus(r));
  }

  private static Object share(JsonObject phase, String tenant) {
    return phase.getJsonObject(tenant).getValue("token_share");
  }

  private static Object mean(JsonObject admission, String side) {
    JsonObject s = admission.getJsonObject(side);
    return s == null ? null : s.getValue("mean_us");
  }

  private static String weight(double w) {
    return w == Math.rint(w) ? String.valueOf((long) w) : String.valueOf(w);
  }
}
