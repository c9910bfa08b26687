package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code drift}: the {@code failover} load (interactive REST JSON from {@code hk} at 50% of that path's capacity, so
 * int8 goes to the Hong Kong NPU lane first), with shadow checks on every eligible answer ({@value #SHADOW_RATE}, a
 * window of {@value #WINDOW} checks); at 1/3 of the run the NPU device's answers are corrupted ({@code corrupt}
 * {@value #CORRUPT}: cosine to the truth about 0.89, under the lane's admission bound 0.98, while every vector still
 * passes the output check), at 2/3 the fault is cleared. Reports sent, succeeded, failed by reason, lost (must be 0),
 * where each phase was served, and the time from the injection to the demotion ({@code injection_to_demotion_ms}) and
 * from the clearing to the re-admission ({@code clear_to_readmission_ms}), both as the admin API's drift state shows
 * them (polled every 20 ms). The gateway runs the default policy with spillover off (see {@link #policy}).
 *
 * <p>Threads: the load runs on the caller; the admin calls and the polling on a timer thread with its own connection.
 */
final class DriftScenario implements Scenario {
  static final String DEVICE = "hk-npu0";
  static final String LANE = "hk-npu";
  static final String SHADOW_RATE = "1";
  static final int WINDOW = 20;
  static final double CORRUPT = 0.5;
  private static final String[] PHASES = {"before", "during", "after"};

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int total = Math.max(6, o.seconds(30, 9));
    JsonObject out = new JsonObject().put("scenario", "drift").put("model", o.model()).put("variant", o.variant())
        .put("device", DEVICE).put("seconds", total).put("window", WINDOW).put("corrupt", CORRUPT);
    List<String> args = List.of("--drift-shadow-rate", SHADOW_RATE, "--drift-shadow-per-minute", "100000",
        "--drift-window", String.valueOf(WINDOW), "--policy", policy(o).toString());
    try (GatewayProcess g = ctx.startGateway(args); Http http = new Http("127.0.0.1", g.httpPort(), 30_000);
        Http adminHttp = new Http("127.0.0.1", g.adminPort(), 10_000)) {
      out.put("gateway_log", g.log().toString());
      AdminClient admin = new AdminClient(adminHttp, g.adminToken());
      RestJsonClient client = new RestJsonClient(http);
      ctx.requireProbe(client, "REST JSON");
      ctx.warmUp(client, 10, 8);
      double rate = ctx.capacity(client, out, "hk", "interactive") * 0.5;
      out.put("rate_sps", BenchContext.round(rate));
      long t0 = System.nanoTime();
      long third = TimeUnit.SECONDS.toNanos(total) / 3;
      long[] at = {-1, -1, -1, -1}; // injected, demoted, cleared, re-admitted
      JsonObject calls = new JsonObject();
      Thread timer = Thread.ofPlatform().name("bench-drift-admin").start(() -> {
        try {
          sleepUntil(t0 + third);
          at[0] = System.nanoTime();
          calls.put("corrupt", admin.fault(DEVICE, new JsonObject().put("corrupt", CORRUPT)));
          at[1] = pollUntil(admin, true, t0 + 2 * third);
          sleepUntil(t0 + 2 * third);
          at[2] = System.nanoTime();
          calls.put("clear", admin.fault(DEVICE, new JsonObject()));
          at[3] = at[1] < 0 ? -1 : pollUntil(admin, false, t0 + TimeUnit.SECONDS.toNanos(total) + TimeUnit.SECONDS.toNanos(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Map<String, Map<String, Long>> served = new ConcurrentHashMap<>();
      Recording r = ctx.load("drift", rate, total, i -> {
        long sent = System.nanoTime();
        CompletableFuture<Reply> f = client.infer(ctx.request(i, "hk", "interactive"));
        return f.whenComplete((reply, failure) -> {
          if (reply == null || !reply.ok()) return;
          int phase = (int) Math.min(2, (sent - t0) / third);
          served.computeIfAbsent(PHASES[phase], k -> new ConcurrentHashMap<>())
              .merge(String.valueOf(reply.lane()), 1L, Long::sum);
        });
      });
      try {
        timer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (at[0] > 0) ctx.report().mark(r, (at[0] - t0) / 1e9, DEVICE + " corrupt");
      if (at[2] > 0) ctx.report().mark(r, (at[2] - t0) / 1e9, "cleared");
      out.put("sent", r.sent()).put("succeeded", r.succeeded()).put("failed_total", r.failed())
          .put("failed", new JsonObject(new TreeMap<String, Object>(r.errors()))).put("lost", r.sent() - r.answered());
      out.put("injection_to_demotion_ms", at[1] < 0 ? null : BenchContext.round((at[1] - at[0]) / 1e6));
      out.put("clear_to_readmission_ms", at[3] < 0 ? null : BenchContext.round((at[3] - at[2]) / 1e6));
      JsonObject servedJson = new JsonObject();
      for (String p : PHASES) {
        servedJson.put(p, new JsonObject(new TreeMap<String, Object>(served.getOrDefault(p, Map.of()))));
      }
      JsonObject state = admin.drift();
      out.put("served_by", servedJson).put("admin", calls).put("drift", state).put("summary", BenchContext.summary(r));
      if (at[1] < 0) ctx.report().note(LANE + " was not demoted while " + DEVICE + " was corrupted");
      if (at[3] < 0) ctx.report().note(LANE + " was not re-admitted after the fault was cleared");
    }
    return out;
  }

  /**
   * The embedded default's rules with spillover off, beside the JSON: on a loaded machine the NPU stand-in's estimate
   * breaks the interactive budget and spillover would send most of the load elsewhere, leaving the lane under test
   * few answers to check; this measures drift, not spillover.
   */
  private static java.nio.file.Path policy(BenchOptions o) {
    java.nio.file.Path file = o.jsonFile().toAbsolutePath().resolveSibling("drift-policy.yaml");
    try {
      java.nio.file.Files.createDirectories(file.getParent());
      java.nio.file.Files.writeString(file, """
          require_api_key: false
          tenants: []
          rules:
            - name: interactive-int8-npu
              match: {version: int8, latency_class: interactive}
              lanes:
                - {class: specialised, region: client}
              then: gpu-first
            - name: gpu-first
              lanes:
                - {class: general, region: client}
                - {class: general, region: any}
          spillover: {enabled: false}
          """);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return file;
  }

  /** Polls the drift state every 20 ms until the lane's demotion equals {@code demoted}: when it did, or -1. */
  private static long pollUntil(AdminClient admin, boolean demoted, long deadline) throws InterruptedException {
    while (System.nanoTime() < deadline) {
      JsonObject d = admin.drift();
      if (d != null) {
        for (Object e : d.getJsonArray("drift")) {
          JsonObject s = (JsonObject) e;
          if (s.getString("lane").equals(LANE) && s.getString("variant").equals("int8")
              && s.getBoolean("demoted") == demoted && (demoted || s.getLong("checks") > 0)) {
            return System.nanoTime();
          }
        }
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return -1;
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
  }
}
