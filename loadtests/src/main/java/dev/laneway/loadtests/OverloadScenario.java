package dev.laneway.loadtests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code overload} ("overload is not an outage"): one gateway, three phases, REST JSON from region
 * {@code hk}.
 *
 * <ol>
 *   <li><b>Batch flood.</b> An interactive probe at 10% of the general path's capacity, alone, then while a
 *       batch-class flood runs at 5x that capacity. Overload done right: every interactive request succeeds, no
 *       breaker moves (the lanes shed the flood with 429 + Retry-After rather than let it expire in their queues),
 *       and the probe's latency stays near its latency alone.
 *   <li><b>Interactive flood on the specialised lane.</b> Interactive int8 (the default policy sends it to
 *       {@value #NPU_LANE} first) at min(1.5 x C_npu, 0.9 x C_gen), spillover off, then on: throughput, latency, failures,
 *       where it was served, how many answers were spilled, and {@value #NPU_LANE}'s {@code in_flight} once a second.
 *   <li><b>Slowed lane.</b> Interactive at 50% of C_npu while 3% of {@value #NPU_DEVICE}'s calls get 250 ms more,
 *       spillover off, hedging off, then on (budget {@value #HEDGE_BUDGET}): the tail, and how many answers say a
 *       hedge was sent.
 * </ol>
 *
 * <p>Capacities, by {@link BenchContext#capacity} from 20/s, with spillover off ({@code --rate} stands for both):
 * C_gen, standard class (general lanes), also taken as the batch flood's capacity (a batch request goes the same way,
 * only its batching delay differs); C_npu, interactive class ({@code --smoke}: C_gen stands for it, to save a search).
 *
 * <p>Policy and faults: the gateway runs with {@code --policy} on a {@link PolicyFile} in the bench output directory;
 * each phase rewrites it with its keys and reloads. A gateway that predates a key refuses the reload (422), or the
 * fault ({@code latency_rate}: 400): the phase records {@code "unavailable"} with the gateway's message and runs on
 * what the gateway has (so this runs, and measures the "before" figures, against a gateway without class-aware admission). Without
 * {@code latency_rate} the slowed lane is emulated: 250 ms on every call for 30 ms of each second (3% of calls, in
 * bursts), recorded as {@code fault.mode}.
 *
 * <p>The flood's HTTP client: HTTP/1.1 carries one request per connection at a time, and a gateway that queues the
 * flood holds each request up to its deadline, or longer when it is short of CPU, so that pool has a connection for
 * every request the bench would wait for: rate x the bench's grace (max(5 s, 3 x deadline)), at least 256, at most
 * 8192. A flood request that would find every connection taken is not sent but recorded at once as
 * {@value #POOL_FULL} (a gateway without class-aware admission holds the flood longer still), rather than left to wait in
 * the client, where its wait would count as the gateway's latency and the gateway would get a burst whenever
 * connections free. Phase 2 uses the same client. Phase 1b also reports the CPU the gateway and this process (the
 * load generator) used: they share the machine's cores.
 *
 * <p>Threads: the caller's thread runs the phases; phase 1b runs its two loads on two threads; a {@link LaneSampler}
 * reads the lanes once a second on its own; the emulated fault toggles on its own.
 */
final class OverloadScenario implements Scenario {
  /**
   * The hedge budget of phase 3: hedges go after the first lane's recent p95, so about 5% of ordinary requests are
   * candidates too; the slowed 3% need room above that, or the default 5% runs out on ordinary requests.
   */
  static final double HEDGE_BUDGET = 0.1;
  static final String NPU_LANE = "hk-npu";
  static final String NPU_DEVICE = "hk-npu0";
  static final String REGION = "hk";
  /** Where the capacity searches start: their 10 steps reach 769/s (from 10/s only 384/s, under the general path's). */
  static final double SEARCH_FROM = 20;
  static final double PROBE_SHARE = 0.10;
  static final double FLOOD_FACTOR = 5;
  static final double HEDGE_SHARE = 0.5;
  static final String SLOW = "250ms";
  static final long SLOW_MICROS = 250_000;
  static final double SLOW_RATE = 0.03;
  static final String SPILL_OFF = "spillover: {enabled: false}";
  /** The reason of a flood request not sent because every connection of the pool was taken. */
  static final String POOL_FULL = "client-pool-full";
  private static final String[] MODES = {"off", "on"};

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    if (o.gatewayArgs().stream().anyMatch(a -> a.startsWith("--policy"))) {
      throw new IllegalArgumentException("overload writes its own --policy file: drop --gateway-arg --policy");
    }
    int seconds = o.seconds(15, 2);
    PolicyFile policy = PolicyFile.create(o.jsonFile().toAbsolutePath().getParent().resolve("overload-policy.yaml"));
    JsonObject out = new JsonObject().put("scenario", "overload").put("model", o.model()).put("variant", o.variant())
        .put("seconds_per_phase", seconds);
    JsonObject detail = new JsonObject().put("policy_file", policy.file().toString()).put("loadavg_start", loadavg());
    try (GatewayProcess g = ctx.startGateway(List.of("--policy", policy.file().toString()));
        Http http = new Http("127.0.0.1", g.httpPort(), 30_000);
        Http adminHttp = new Http("127.0.0.1", g.adminPort(), 30_000, 4)) {
      detail.put("gateway_log", g.log().toString());
      AdminClient admin = new AdminClient(adminHttp, g.adminToken());
      RestJsonClient client = new RestJsonClient(http);
      ctx.requireProbe(client, "REST JSON");
      ctx.warmUp(client, 10, 8);
      JsonObject capacity = new JsonObject().put("policy", policy.apply(SPILL_OFF, admin));
      JsonObject gen = new JsonObject();
      double cGen = ctx.capacity(client, gen, REGION, "standard", SEARCH_FROM);
      JsonObject npu = new JsonObject();
      double cNpu;
      if (o.smoke() && o.rate() == 0) { // seconds count in CI: the general search stands for both
        cNpu = cGen;
        npu.put("capacity_sps", BenchContext.round(cNpu)).put("capacity_from", "--smoke: the general path's search");
      } else {
        cNpu = ctx.capacity(client, npu, REGION, "interactive", SEARCH_FROM);
      }
      capacity.put("general_standard", gen).put("npu_interactive", npu);
      detail.put("capacity", capacity);
      // past what hk-npu can do, within what the two lanes can do together: spillover's case (an interactive flood
      // that saturates the preferred lane while the general one has room)
      double spillRate = Math.min(1.5 * cNpu, 0.9 * cGen);
      int pool = pool(Math.max(FLOOD_FACTOR * cGen, spillRate), o.timeoutMs());
      JsonObject flood;
      JsonObject spill;
      try (Http floodHttp = new Http("127.0.0.1", g.httpPort(), 30_000, pool)) {
        RestJsonClient floodClient = new RestJsonClient(floodHttp);
        flood = batchFlood(ctx, g.pid(), client, floodClient, pool, admin, policy, cGen, seconds);
        spill = spillover(ctx, floodClient, admin, policy, cNpu, cGen, spillRate, seconds);
      }
      JsonObject hedge = hedging(ctx, client, admin, policy, cNpu, seconds);
      JsonObject during = flood.getJsonObject("interactive");
      out.put("capacity_sps", BenchContext.round(cGen)).put("capacity_npu_sps", BenchContext.round(cNpu))
          .put("interactive_success_rate", during.getValue("success_rate"))
          .put("interactive_lost", lost(flood.getJsonObject("alone"), flood.getJsonObject("during"),
              spill.getJsonObject("off"), spill.getJsonObject("on"), hedge.getJsonObject("off"),
              hedge.getJsonObject("on")))
          .put("interactive_p50_ms_alone", p(flood, "alone", "p50_ms"))
          .put("interactive_p99_ms_alone", p(flood, "alone", "p99_ms"))
          .put("interactive_p50_ms_flood", p(flood, "during", "p50_ms"))
          .put("interactive_p99_ms_flood", p(flood, "during", "p99_ms"))
          .put("breaker_transitions_during_flood", flood.getJsonObject("breaker").getValue("transitions_during_flood"))
          .put("batch_429", flood.getJsonObject("batch").getValue("http_429"))
          .put("batch_429_retry_after", flood.getJsonObject("batch").getValue("http_429_retry_after"))
          .put("spill_off_sps", p(spill, "off", "throughput_sps")).put("spill_off_p99_ms", p(spill, "off", "p99_ms"))
          .put("spill_on_sps", p(spill, "on", "throughput_sps")).put("spill_on_p99_ms", p(spill, "on", "p99_ms"))
          .put("hedge_off_p99_ms", p(hedge, "off", "p99_ms")).put("hedge_on_p99_ms", p(hedge, "on", "p99_ms"))
          .put("hedges_sent", hedge.getJsonObject("on").getValue("hedged"))
          .put("batch_flood", flood).put("spillover", spill).put("hedging", hedge)
          .put("setup", detail.put("loadavg_end", loadavg()));
    }
    return out;
  }

  /**
   * Phase 1: the interactive probe alone (1a), then with the batch flood (1b); breaker transitions of any lane stamped
   * between the start of 1b and its last answer, from the lanes read once a second during it and once after.
   */
  private static JsonObject batchFlood(BenchContext ctx, long gatewayPid, InferClient probe, InferClient flood,
      int pool, AdminClient admin, PolicyFile policy, double capacity, int seconds) {
    double probeRate = Math.max(5, PROBE_SHARE * capacity); // at least a few answers per second, even in --smoke
    double floodRate = FLOOD_FACTOR * capacity;
    JsonObject p = new JsonObject().put("policy", policy.apply("", admin))
        .put("capacity_sps", BenchContext.round(capacity))
        .put("capacity_from", "the standard-class search (general lanes)")
        .put("probe_rate_sps", BenchContext.round(probeRate)).put("flood_rate_sps", BenchContext.round(floodRate))
        .put("flood_pool", pool);
    ctx.progress().println("[bench] phase 1a: interactive probe alone at " + BenchContext.fmt(probeRate) + "/s");
    Recording alone = ctx.load(probe, "1a interactive probe alone", probeRate, seconds, REGION, "interactive");
    ctx.report().mark(alone, 0, "phase 1a: probe alone");
    BenchContext.pause(1000);
    ctx.progress().println("[bench] phase 1b: the same probe and a batch flood at " + BenchContext.fmt(floodRate)
        + "/s");
    JsonObject before = admin.lanes();
    AtomicLong outstanding = new AtomicLong();
    AtomicLong maxOutstanding = new AtomicLong();
    long me = ProcessHandle.current().pid();
    Map<String, Long> gw0 = ThreadCpu.sample(gatewayPid);
    Map<String, Long> me0 = ThreadCpu.sample(me);
    long t0 = System.nanoTime();
    long from = System.currentTimeMillis();
    LaneSampler sampler = LaneSampler.start(admin, "flood");
    List<Recording> rs;
    long to;
    try {
      rs = ParallelLoad.run(List.of(
          () -> ctx.load(probe, "1b interactive probe during the batch flood", probeRate, seconds, REGION,
              "interactive"),
          () -> ctx.load("1b batch flood", floodRate, seconds, i -> {
            if (outstanding.get() >= pool) return CompletableFuture.completedFuture(Reply.failed(POOL_FULL));
            maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
            return flood.infer(ctx.request(i, REGION, "batch")).whenComplete((r, e) -> outstanding.decrementAndGet());
          })));
    } finally {
      to = System.currentTimeMillis();
      sampler.close();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    Recording during = rs.get(0);
    Recording batch = rs.get(1);
    long poolFull = batch.errors().getOrDefault(POOL_FULL, 0L);
    long answered = during.answered() + batch.answered() - poolFull;
    JsonObject gw = ThreadCpu.perRequest(gw0, ThreadCpu.sample(gatewayPid), answered, elapsed);
    JsonObject lg = ThreadCpu.perRequest(me0, ThreadCpu.sample(me), answered, elapsed);
    for (Recording r : rs) {
      ctx.report().mark(r, 0, "phase 1b: batch flood " + BenchContext.fmt(floodRate) + "/s");
      ctx.report().mark(r, seconds, "flood ends");
    }
    if (poolFull > 0) {
      ctx.report().note("phase 1b: " + poolFull + " flood requests were not sent: the gateway held all " + pool
          + " connections, so it saw less than " + BenchContext.fmt(floodRate) + "/s on the wire");
    }
    List<String> transitions = sampler.transitionsBetween(from, to);
    JsonObject after = admin.lanes();
    p.put("alone", run(alone)).put("during", run(during)).put("interactive", interactive(during))
        .put("batch", run(batch).put("offered_sps", BenchContext.round(batch.sent() / (double) seconds))
            .put("sent_sps", BenchContext.round((batch.sent() - poolFull) / (double) seconds))
            .put("max_outstanding", maxOutstanding.get())
            .put("not_sent_pool_full", poolFull)
            .put("http_429", batch.errors().getOrDefault("http-429", 0L))
            .put("http_429_retry_after", batch.retryAfter().getOrDefault("http-429", 0L)))
        .put("breaker", new JsonObject().put("transitions_during_flood", transitions.size())
            .put("transitions", new JsonArray(transitions)).put("window_epoch_ms", new JsonArray().add(from).add(to))
            .put("states_before", LaneSampler.breakerStates(before))
            .put("states_after", LaneSampler.breakerStates(after)))
        .put("in_flight", sampler.inFlight())
        .put("cpu_us_per_answer", gw == null || lg == null ? null
            : new JsonObject().put("gateway", gw).put("load_generator", lg))
        .put("breaker_wait_ms", waitForBreakers(ctx, admin));
    return p;
  }

  /** Phase 2: interactive at {@code rate}, spillover off, then on; hk-npu's in_flight sampled once a second. */
  private static JsonObject spillover(BenchContext ctx, InferClient client, AdminClient admin, PolicyFile policy,
      double cNpu, double cGen, double rate, int seconds) {
    JsonObject p = new JsonObject().put("capacity_npu_sps", BenchContext.round(cNpu))
        .put("capacity_general_sps", BenchContext.round(cGen)).put("rate_sps", BenchContext.round(rate));
    for (String mode : MODES) {
      JsonObject m = new JsonObject()
          .put("policy", policy.apply("spillover: {enabled: " + mode.equals("on") + "}", admin));
      ctx.progress().println("[bench] phase 2: interactive flood at " + BenchContext.fmt(rate) + "/s, spillover "
          + mode);
      LaneSampler sampler = LaneSampler.start(admin, "spill-" + mode);
      Recording r;
      try {
        r = ctx.load(client, "2 interactive flood, spillover " + mode, rate, seconds, REGION, "interactive");
      } finally {
        sampler.close();
      }
      ctx.report().mark(r, 0, "phase 2: spillover " + mode);
      JsonObject s = BenchContext.summary(r);
      m.put("throughput_sps", s.getValue("throughput_sps")).put("p50_ms", s.getValue("p50_ms"))
          .put("p99_ms", s.getValue("p99_ms")).put("failed", failedByReason(r))
          .put("lanes", new JsonObject(new TreeMap<String, Object>(r.lanes()))).put("spilled", r.spilled())
          .put("npu_in_flight", sampler.inFlight(NPU_LANE)).put("summary", s)
          .put("breaker_wait_ms", waitForBreakers(ctx, admin));
      p.put(mode, m);
    }
    return p;
  }

  /** Phase 3: interactive at half of C_npu with 3% of hk-npu0's calls slowed, hedging off, then on. */
  private static JsonObject hedging(BenchContext ctx, InferClient client, AdminClient admin, PolicyFile policy,
      double cNpu, int seconds) {
    double rate = Math.max(1, HEDGE_SHARE * cNpu);
    JsonObject p = new JsonObject().put("rate_sps", BenchContext.round(rate)).put("device", NPU_DEVICE);
    JsonObject slow = new JsonObject().put("latency", SLOW).put("latency_rate", SLOW_RATE);
    JsonObject fault = new JsonObject().put("requested", slow.copy()).put("answer", admin.fault(NPU_DEVICE, slow));
    SlowBursts bursts = null;
    if (fault.getJsonObject("answer").containsKey("unavailable")) {
      bursts = SlowBursts.start(admin, NPU_DEVICE, new JsonObject().put("latency", SLOW), SLOW_RATE);
      fault.put("mode", String.format(Locale.ROOT, "emulated: latency %s on every call for %d ms of each second",
          SLOW, bursts.onMillis()));
    } else {
      fault.put("mode", "latency_rate");
    }
    try {
      for (String mode : MODES) {
        JsonObject m = new JsonObject().put("policy",
            policy.apply(SPILL_OFF + "\nhedging: {enabled: " + mode.equals("on") + ", budget: " + HEDGE_BUDGET + "}",
                admin));
        ctx.progress().println("[bench] phase 3: interactive at " + BenchContext.fmt(rate) + "/s, " + NPU_DEVICE
            + " slowed, hedging " + mode);
        Recording r = ctx.load(client, "3 slowed lane, hedging " + mode, rate, seconds, REGION, "interactive");
        ctx.report().mark(r, 0, "phase 3: hedging " + mode);
        JsonObject s = BenchContext.summary(r);
        m.put("p50_ms", s.getValue("p50_ms")).put("p99_ms", s.getValue("p99_ms")).put("max_ms", s.getValue("max_ms"))
            .put("sent", r.sent()).put("hedged", r.hedged())
            .put("hedge_share", r.sent() == 0 ? null : Math.round(1000.0 * r.hedged() / r.sent()) / 1000.0)
            .put("answers_over_" + SLOW, over(r.latency(), SLOW_MICROS)).put("summary", s);
        p.put(mode, m);
        BenchContext.pause(1000);
      }
    } finally {
      if (bursts != null) fault.put("emulated_bursts", bursts.stop());
      fault.put("cleared", admin.fault(NPU_DEVICE, new JsonObject()));
    }
    return p.put("fault", fault);
  }

  /** Connections for a load at {@code rate} whose answers may each be held as long as the bench waits for them. */
  static int pool(double rate, long timeoutMs) {
    double held = Math.max(5000, 3 * timeoutMs) / 1000.0; // BenchContext.load's grace
    return (int) Math.min(8192, Math.max(Http.POOL, Math.ceil(rate * held)));
  }

  /** Waits (up to 10 s) until no lane's breaker is open, so a phase does not start on the last one's ejection. */
  private static Long waitForBreakers(BenchContext ctx, AdminClient admin) {
    long t0 = System.nanoTime();
    long end = t0 + 10_000_000_000L;
    while (System.nanoTime() < end) {
      if (!LaneSampler.breakerStates(admin.lanes()).getMap().containsValue("open")) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
      BenchContext.pause(250);
    }
    ctx.report().note("a breaker was still open 10 s after a phase: "
        + LaneSampler.breakerStates(admin.lanes()).encode());
    return null;
  }

  /** {@code /proc/loadavg} (1, 5, 15 min), or null off Linux: others' work on the same cores shows in every figure. */
  static String loadavg() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static JsonObject run(Recording r) {
    return new JsonObject().put("summary", BenchContext.summary(r));
  }

  /** The probe's outcomes during the flood: every request accounted for, and the share that succeeded. */
  private static JsonObject interactive(Recording r) {
    long lost = r.sent() - r.answered();
    return new JsonObject().put("sent", r.sent()).put("succeeded", r.succeeded()).put("failed", failedByReason(r))
        .put("lost", lost)
        .put("success_rate", r.sent() == 0 ? null : Math.round(10000.0 * r.succeeded() / r.sent()) / 10000.0);
  }

  private static JsonObject failedByReason(Recording r) {
    Map<String, Object> m = new TreeMap<>(r.errors());
    m.remove("lost");
    return new JsonObject(m);
  }

  /** Successes that took at least {@code micros}. */
  static long over(Histogram h, long micros) {
    return h.getTotalCount() - h.getCountBetweenValues(0, micros - 1);
  }

  private static Object p(JsonObject phase, String run, String field) {
    JsonObject r = phase.getJsonObject(run);
    JsonObject s = r.containsKey("summary") ? r.getJsonObject("summary") : r;
    return r.containsKey(field) ? r.getValue(field) : s.getValue(field);
  }

  private static long lost(JsonObject... runs) {
    long n = 0;
    for (JsonObject r : runs) n += r.getJsonObject("summary").getLong("lost", 0L);
    return n;
  }
}
