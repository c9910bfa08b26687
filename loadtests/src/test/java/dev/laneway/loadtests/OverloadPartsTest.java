package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The pure parts of {@code overload}: breaker history stamps, the flood's pool size, slow answers, Retry-After counts. */
class OverloadPartsTest {
  @Test
  void breakerHistory_stampIsEpochMillis() {
    assertEquals(1764000000000L, LaneSampler.at("hk-general: closed -> open @1764000000000"));
    assertEquals(-1, LaneSampler.at("closed -> open"));
  }

  @Test
  void breakerStates_byLane() {
    JsonObject lanes = new JsonObject().put("lanes", new JsonArray()
        .add(new JsonObject().put("id", "hk-npu").put("breaker", "open"))
        .add(new JsonObject().put("id", "hk-general").put("breaker", "closed")));
    assertEquals(new JsonObject().put("hk-npu", "open").put("hk-general", "closed"), LaneSampler.breakerStates(lanes));
    assertEquals(new JsonObject(), LaneSampler.breakerStates(null), "no answer: no states");
  }

  @Test
  void floodPool_holdsRateTimesGrace() {
    assertEquals(4270, OverloadScenario.pool(854, 1000), "854/s, each held up to the bench's 5 s grace");
    assertEquals(6000, OverloadScenario.pool(1000, 2000), "grace 3 x a 2 s deadline");
    assertEquals(Http.POOL, OverloadScenario.pool(10, 1000), "never below the default pool");
    assertEquals(8192, OverloadScenario.pool(100_000, 1000), "capped");
  }

  @Test
  void over_countsAnswersAtLeastThatSlow() {
    Histogram h = Recording.histogram();
    h.recordValue(10_000);
    h.recordValue(249_000);
    h.recordValue(251_000);
    h.recordValue(400_000);
    assertEquals(2, OverloadScenario.over(h, 250_000));
  }

  @Test
  void recording_countsSpilledHedgedAndRetryAfter() {
    Recording r = new Recording("t");
    r.started(0);
    r.sent(1);
    r.sent(1);
    r.sent(1);
    r.record(0, 1_000_000, new Reply(null, "hk-general", null, "hk", true, false, null, Double.NaN, 1, "hk-npu", true,
        false));
    r.record(0, 1_000_000, Reply.failed("http-429", true));
    r.record(0, 1_000_000, Reply.failed("http-429"));
    assertEquals(1, r.spilled());
    assertEquals(1, r.hedged());
    assertEquals(java.util.Map.of("http-429", 1L), r.retryAfter(), "one of the two 429s carried Retry-After");
    assertEquals(2, r.errors().get("http-429"));
  }

  @Test
  void laneOverhead_isExecutorMsMinusWhatTheExecutorReports() {
    JsonObject body = new JsonObject().put("parameters", new JsonObject().put("lane", "hk-general")
        .put("executor_ms", 9.5).put("queue_ms", 1.0).put("compute_ms", 3.5));
    Reply reply = OipReplies.fromJson(body);
    assertEquals(4.5, reply.computedMs(), 1e-9);
    Recording r = new Recording("t");
    r.started(0);
    r.sent(1);
    r.sent(1);
    r.record(0, 12_000_000, reply);
    r.record(0, 12_000_000, OipReplies.fromJson(new JsonObject().put("parameters", new JsonObject()
        .put("executor_ms", 9.5)))); // a server that reports no queue or compute time: not counted
    assertEquals(1, r.laneOverhead().getTotalCount());
    assertEquals(5_000, r.laneOverhead().getValueAtPercentile(50), 5_000 * 0.01, "9.5 - 4.5 ms, in micros");
    JsonObject summary = BenchContext.summary(r);
    assertEquals(5.0, summary.getDouble("lane_overhead_p50_ms"), 0.05);
    assertEquals(1.0, summary.getDouble("executor_queue_p50_ms"), 0.05, "queue_ms on its own");
    assertEquals(3.5, summary.getDouble("batch_compute_p50_ms"), 0.05, "compute_ms: queue + compute minus queue");
    assertEquals(1, r.executorQueue().getTotalCount(), "the server without queue_ms is not counted");
  }
}
