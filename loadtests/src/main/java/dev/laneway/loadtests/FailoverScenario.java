package dev.laneway.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code failover}: steady REST JSON load of interactive requests from the {@code hk} region (the default policy sends
 * interactive int8 to the Hong Kong NPU lane first) at 50% of that path's capacity; at 1/3 of the run (10 s of
 * 30) the Hong Kong NPU device ({@value #DEVICE}) is taken offline through the admin API, at 2/3 brought back. Reports
 * sent, succeeded, failed by reason, lost (sent minus answered: must be 0), p99 per phase, where each phase was served,
 * the time from the offline call to the first answer served by another lane ({@code breaker_open_ms}) and from the
 * online call to the first answer served by the first phase's lane again ({@code recovery_ms}).
 *
 * <p>Threads: the load runs on the caller; the two admin calls are made by a timer thread.
 */
final class FailoverScenario implements Scenario {
  static final String DEVICE = "hk-npu0";
  private static final String[] PHASES = {"before", "during", "after"};

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int total = Math.max(3, o.seconds(30, 9));
    JsonObject out = new JsonObject().put("scenario", "failover").put("model", o.model()).put("variant", o.variant())
        .put("device", DEVICE).put("seconds", total);
    try (GatewayProcess g = ctx.startGateway(); Http http = new Http("127.0.0.1", g.httpPort(), 30_000);
        Http adminHttp = new Http("127.0.0.1", g.adminPort(), 30_000)) {
      out.put("gateway_log", g.log().toString());
      RestJsonClient client = new RestJsonClient(http);
      ctx.requireProbe(client, "REST JSON");
      ctx.warmUp(client, 10, 8);
      double rate = ctx.capacity(client, out, "hk", "interactive") * 0.5;
      out.put("rate_sps", BenchContext.round(rate));
      long t0 = System.nanoTime();
      long third = TimeUnit.SECONDS.toNanos(total) / 3;
      AtomicLong offlineAt = new AtomicLong(-1);
      AtomicLong onlineAt = new AtomicLong(-1);
      JsonObject admin = new JsonObject();
      Thread timer = Thread.ofPlatform().name("bench-failover-admin").start(() -> {
        try {
          sleepUntil(t0 + third);
          offlineAt.set(System.nanoTime());
          admin.put("offline", call(adminHttp, g, "offline"));
          sleepUntil(t0 + 2 * third);
          onlineAt.set(System.nanoTime());
          admin.put("online", call(adminHttp, g, "online"));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      // which lane served each answer, per phase of its intended send time; first fallback and first recovery
      Map<String, Map<String, Long>> served = new ConcurrentHashMap<>();
      AtomicLong firstOther = new AtomicLong(-1);
      AtomicLong firstBack = new AtomicLong(-1);
      String[] beforeLane = new String[1];
      Recording r = ctx.load("failover", rate, total, i -> {
        long sent = System.nanoTime();
        CompletableFuture<Reply> f = client.infer(ctx.request(i, "hk", "interactive"));
        return f.whenComplete((reply, failure) -> {
          if (reply == null || !reply.ok()) return;
          long now = System.nanoTime();
          int phase = (int) Math.min(2, (sent - t0) / third);
          served.computeIfAbsent(PHASES[phase], k -> new ConcurrentHashMap<>()).merge(String.valueOf(reply.lane()), 1L, Long::sum);
          synchronized (beforeLane) {
            if (phase == 0 && beforeLane[0] == null) beforeLane[0] = reply.lane();
            boolean other = reply.lane() != null && !reply.lane().equals(beforeLane[0]) || Boolean.TRUE.equals(reply.degraded());
            if (offlineAt.get() > 0 && onlineAt.get() < 0 && other && firstOther.get() < 0) firstOther.set(now);
            if (onlineAt.get() > 0 && sent >= onlineAt.get() && !other && firstBack.get() < 0) firstBack.set(now);
          }
        });
      });
      try {
        timer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (offlineAt.get() > 0) ctx.report().mark(r, (offlineAt.get() - t0) / 1e9, DEVICE + " offline");
      if (onlineAt.get() > 0) ctx.report().mark(r, (onlineAt.get() - t0) / 1e9, "online");
      out.put("sent", r.sent()).put("succeeded", r.succeeded()).put("failed", new JsonObject(new TreeMap<>(failedByReason(r))))
          .put("failed_total", r.failed()).put("lost", r.sent() - r.answered());
      int s = total / 3;
      out.put("p99_ms_before", BenchContext.round(Recording.ms(r.between(0, s), 99)));
      out.put("p99_ms_during", BenchContext.round(Recording.ms(r.between(s, 2 * s), 99)));
      out.put("p99_ms_after", BenchContext.round(Recording.ms(r.between(2 * s, total + 1), 99)));
      out.put("breaker_open_ms", firstOther.get() < 0 ? null : BenchContext.round((firstOther.get() - offlineAt.get()) / 1e6));
      out.put("recovery_ms", firstBack.get() < 0 || firstOther.get() < 0 ? null
          : BenchContext.round((firstBack.get() - onlineAt.get()) / 1e6));
      JsonObject servedJson = new JsonObject();
      for (String p : PHASES) servedJson.put(p, new JsonObject(new TreeMap<String, Object>(served.getOrDefault(p, Map.of()))));
      out.put("served_by", servedJson).put("admin", admin).put("summary", BenchContext.summary(r));
      if (firstOther.get() < 0) {
        ctx.report().note("no answer was served by another lane while " + DEVICE + " was offline (admin: " + admin.encode() + ")");
      }
    }
    return out;
  }

  private static Map<String, Long> failedByReason(Recording r) {
    Map<String, Long> m = new TreeMap<>(r.errors());
    m.remove("lost");
    return m;
  }

  /** One admin call: {@code {"status": 200}} or {@code {"unavailable": "http-404"}}; never throws. */
  private static JsonObject call(Http http, GatewayProcess g, String action) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (g.adminToken() != null) h.add("x-admin-token", g.adminToken());
    try {
      Http.Response resp = http.post("/v2/admin/devices/" + DEVICE + "/" + action, h).get(10, TimeUnit.SECONDS);
      JsonObject o = new JsonObject().put("status", resp.status());
      if (resp.status() / 100 != 2) o.put("unavailable", "http-" + resp.status());
      return o;
    } catch (Exception e) {
      return new JsonObject().put("unavailable", Http.reason(e));
    }
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
  }
}
