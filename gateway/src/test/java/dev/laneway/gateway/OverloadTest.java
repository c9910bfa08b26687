package dev.laneway.gateway;

import dev.laneway.gateway.admin.Reloader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.lanes.GuardedLane;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload is not an outage (issue 13), against a real gateway (real ONNX Runtime on the int8 models, HTTP on
 * 127.0.0.1 port 0) on {@code overload-topology.yaml}: routing-topology's lanes with the general lanes' in-flight gate
 * at 16. Each test writes its policy and reloads it. Devices are CPU stand-ins; offline and latency are injected (the
 * one thing mocked: a device cannot be unplugged or slowed here). No timing is asserted: what is asserted is who got
 * answered, with what status, and what the breakers did.
 */
class OverloadTest {
  static final String MINILM = "/v2/models/all-minilm-l6-v2/versions/int8/infer";
  static final String INTERACTIVE_NPU_FIRST = """
      rules:
        - name: interactive-int8-npu
          match: {version: int8, latency_class: interactive}
          lanes: [{class: specialised, region: client}]
          then: gpu-first
        - name: gpu-first
          lanes: [{class: general, region: client}, {class: general, region: any}]
      """;
  static final String GPU_FIRST = """
      rules:
        - name: gpu-first
          lanes: [{class: general, region: client}, {class: general, region: any}]
      """;
  @TempDir static Path dir;
  static Path policy;
  static Gateway gateway;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** HTTP/1.1: one connection per outstanding request, as a flood of separate clients would come. */
  static final HttpClient FLOOD = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path topology = Path.of(OverloadTest.class.getResource("/overload-topology.yaml").toURI());
    policy = dir.resolve("policy.yaml");
    Files.writeString(policy, INTERACTIVE_NPU_FIRST);
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()).with("watch", "false")
        .with("admission-cache", dir.resolve("admission.properties").toString()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  @AfterEach
  void nothingLeftInFlight() throws Exception {
    for (String d : List.of("hk-gpu0", "hk-npu0", "intl-gpu0")) {
      gateway.lanes().faults().setOffline(d, false);
      gateway.lanes().faults().setFault(d, Duration.ZERO, 0.0, 1.0, true);
    }
    for (String lane : List.of("hk-general", "hk-npu", "intl-general")) {
      GuardedLane g = guarded(lane);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while ((g.admittedInFlight() > 0 || g.inFlight() > 0) && System.nanoTime() < until) Thread.sleep(5);
      assertEquals(0, g.admittedInFlight(), lane + ": gate permits leaked");
      assertEquals(0, g.inFlight(), lane + ": executor items leaked");
    }
  }

  static GuardedLane guarded(String lane) {
    return (GuardedLane) gateway.lanes().get(lane);
  }

  static void usePolicy(String yaml) throws Exception {
    Files.writeString(policy, yaml);
    Reloader.Result r = gateway.reloader().reload("test");
    assertTrue(r.ok(), r.message());
  }

  static String body(String text, String latencyClass, long timeoutMicros, int texts) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < texts; i++) data.add(text + " #" + i);
    JsonObject parameters = new JsonObject().put("latency_class", latencyClass);
    if (timeoutMicros > 0) parameters.put("timeout", timeoutMicros);
    return new JsonObject().put("parameters", parameters)
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "text").put("datatype", "BYTES")
            .put("shape", new JsonArray().add(texts)).put("data", data))).encode();
  }

  static HttpRequest request(String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + MINILM))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
        .header("cache-control", "no-cache").timeout(Duration.ofSeconds(60)).build();
  }

  static HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(request(body), HttpResponse.BodyHandlers.ofString());
  }

  /** Every lane's breaker transitions so far. */
  static Map<String, List<String>> breakerHistories() {
    Map<String, List<String>> m = new java.util.TreeMap<>();
    for (String lane : List.of("hk-general", "hk-npu", "intl-general")) m.put(lane, guarded(lane).breakerHistory());
    return m;
  }

  @Test
  void batchFlood_everyInteractiveRequestIsAnswered_batchGetsTyped429s_noBreakerMoves() throws Exception {
    // both classes on the general lanes: the flood and the probe share them. Spillover off: this test is about the
    // gate; where a slow host's batches keep hk-general's interactive wait over the budget, spilling the probe to
    // intl-general is right (a fresh clone's CI saw it), and spillover has its own test below
    usePolicy(GPU_FIRST + "spillover: {enabled: false}\n");
    Map<String, List<String>> before = breakerHistories();
    // the flood: 150 batch requests of 4 texts always outstanding. Half have a 5 s deadline and hold the lanes (the
    // gate's batch share, 12 of 16 per lane, stays full); half have 40 ms, so work expires in the queue or is refused
    // at once as unable to meet it
    Semaphore outstanding = new Semaphore(150);
    AtomicBoolean flooding = new AtomicBoolean(true);
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicInteger withoutRetryAfter = new AtomicInteger();
    AtomicInteger deadlineRelated = new AtomicInteger();
    List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread flood = Thread.ofPlatform().name("batch-flood").start(() -> {
      int i = 0;
      while (flooding.get()) {
        try {
          if (!outstanding.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
        } catch (InterruptedException e) {
          return;
        }
        long timeout = i % 2 == 0 ? 5_000_000 : 40_000;
        FLOOD.sendAsync(request(body("flood " + i++, "batch", timeout, 4)), HttpResponse.BodyHandlers.ofString())
            .whenComplete((r, e) -> {
              outstanding.release();
              if (e != null) {
                unexpected.add(e.toString());
                return;
              }
              statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
              if (r.statusCode() == 429) {
                if (r.headers().firstValue("retry-after").map(Integer::parseInt).orElse(0) < 1) {
                  withoutRetryAfter.incrementAndGet();
                }
                if (r.body().contains("deadline")) deadlineRelated.incrementAndGet();
              }
              if (r.statusCode() == 504) deadlineRelated.incrementAndGet();
              if (r.statusCode() != 200 && r.statusCode() != 429 && r.statusCode() != 504) {
                unexpected.add(r.statusCode() + " " + r.body());
              }
            });
      }
    });
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (statuses.getOrDefault(429, new AtomicInteger()).get() < 100 && System.nanoTime() < until) Thread.sleep(5);
    assertTrue(statuses.getOrDefault(429, new AtomicInteger()).get() >= 100, "the flood overflows: " + statuses);
    // meanwhile, one client sends interactive requests one at a time: every one is answered by its first choice,
    // hk-general, whose gate batch work fills to its share (12 of 16) and no further
    int batchHeldMax = 0;
    for (int i = 0; i < 25; i++) {
      batchHeldMax = Math.max(batchHeldMax, guarded("hk-general").admittedInFlight("batch"));
      HttpResponse<String> r = post(body("interactive probe " + i, "interactive", 0, 1));
      assertEquals(200, r.statusCode(), "interactive probe " + i + " during the flood: " + r.body());
      JsonObject p = new JsonObject(r.body()).getJsonObject("parameters");
      assertEquals("hk-general", p.getString("lane"), "probe " + i + " kept its first choice: " + p);
      assertFalse(p.getBoolean("degraded"), "probe " + i + ": " + p);
    }
    assertEquals(12, batchHeldMax, "the flood held batch's whole share of hk-general, and no more");
    flooding.set(false);
    flood.join();
    assertTrue(outstanding.tryAcquire(150, 60, TimeUnit.SECONDS), "every flood request answered (none hung)");
    assertTrue(unexpected.isEmpty(), "batch got only 200, 429 or 504: " + unexpected);
    assertEquals(0, withoutRetryAfter.get(), "every 429 carries Retry-After >= 1");
    assertTrue(deadlineRelated.get() > 0, "deadlines passed in the queue or could not be met: " + statuses);
    assertEquals(before, breakerHistories(), "no breaker moved during the flood");
    for (String lane : List.of("hk-general", "intl-general")) {
      assertEquals("closed", guarded(lane).breakerState(), lane);
      assertEquals(0, guarded(lane).breaker().getMetrics().getNumberOfFailedCalls(), lane + ": nothing counted");
      assertEquals(0, guarded(lane).breaker().getMetrics().getNumberOfSlowCalls(), lane + ": nothing slow");
    }
    // a real device fault still opens the breaker, after minimum_calls (5) attempts, as before: each of those
    // requests falls back to intl-general within the request
    gateway.lanes().faults().setOffline("hk-gpu0", true);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = post(body("while hk-gpu0 is offline " + i, "standard", 0, 1));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("intl-general", new JsonObject(r.body()).getJsonObject("parameters").getString("lane"));
    }
    assertEquals("open", guarded("hk-general").breakerState(), "the device fault opened the breaker");
    gateway.lanes().faults().setOffline("hk-gpu0", false);
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!guarded("hk-general").breakerState().equals("closed") && System.nanoTime() < until) {
      post(body("probe", "standard", 0, 1)); // half-open probes close it again
      Thread.sleep(20);
    }
    assertEquals("closed", guarded("hk-general").breakerState());
  }

  /** Closed-loop interactive load from {@code clients} clients for {@code seconds}; the answers' lanes. */
  record Load(Map<String, Integer> byLane, int spilled, int failed, List<Double> npuQueuedMs) {}

  static Load interactiveLoad(int clients, int seconds) throws Exception {
    Map<String, Integer> byLane = new ConcurrentHashMap<>();
    AtomicInteger spilled = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      int id = c;
      Thread.ofPlatform().daemon().start(() -> {
        try {
          for (int i = 0; !stop.get(); i++) {
            HttpResponse<String> r = post(body("client " + id + " says hello number " + i, "interactive", 0, 1));
            if (r.statusCode() != 200) {
              failed.incrementAndGet();
              continue;
            }
            JsonObject p = new JsonObject(r.body()).getJsonObject("parameters");
            byLane.merge(p.getString("lane"), 1, Integer::sum);
            if ("hk-npu".equals(p.getString("spilled_from"))) spilled.incrementAndGet();
          }
        } catch (Exception e) {
          failed.incrementAndGet();
        } finally {
          done.countDown();
        }
      });
    }
    List<Double> queued = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    GuardedLane npu = guarded("hk-npu");
    while (System.nanoTime() < end) {
      queued.add(npu.expectedWaitNanos("interactive") / 1e6);
      Thread.sleep(10);
    }
    stop.set(true);
    assertTrue(done.await(60, TimeUnit.SECONDS), "clients finished");
    return new Load(Map.copyOf(byLane), spilled.get(), failed.get(), queued);
  }

  static double quantile(List<Double> values, double q) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
  }

  @Test
  void saturatedSpecialisedLane_spillsInteractiveToTheGeneralLane_andItsQueueStaysWithinTheBudget() throws Exception {
    int clients = 24;
    usePolicy(INTERACTIVE_NPU_FIRST + "spillover: {enabled: false}\n");
    Load off = interactiveLoad(clients, 3);
    double offP90 = quantile(off.npuQueuedMs(), 0.9);
    assertEquals(0, off.failed(), "nothing failed without spillover: " + off);
    assertEquals(0, off.spilled());
    assertEquals(Map.of("hk-npu", off.byLane().get("hk-npu")), off.byLane(), "without spillover hk-npu serves all");
    assertTrue(offP90 > 50, "the load queues more than the interactive budget (50 ms) of work on hk-npu without "
        + "spillover: p90 " + offP90 + " ms");
    usePolicy(INTERACTIVE_NPU_FIRST + "spillover: {enabled: true}\n");
    Load on = interactiveLoad(clients, 3);
    double onP90 = quantile(on.npuQueuedMs(), 0.9);
    System.out.printf("spillover: %d clients; off: %s, hk-npu queued work p90 %.1f ms; on: %s, %d spilled,"
        + " hk-npu queued work p90 %.1f ms%n", clients, off.byLane(), offP90, on.byLane(), on.spilled(), onP90);
    assertEquals(0, on.failed(), "nothing failed with spillover: " + on);
    assertTrue(on.spilled() > 0 && on.byLane().getOrDefault("hk-general", 0) > 0,
        "interactive spilled to hk-general: " + on);
    assertTrue(on.byLane().getOrDefault("hk-npu", 0) > 0, "hk-npu kept serving its share: " + on);
    // spilling holds hk-npu's queue at the larger of the budget's headroom and margin x hk-general's own queue, so
    // where both lanes queue (a slow or busy machine) it sits above 50 ms: the claim is that spilling cuts it. By how
    // much depends on how busy hk-general is beside it: on/off p90 measured 0.58, 0.78 and 0.83 over fresh-clone CI
    // runs (hk-npu serving a quarter of the requests with spilling against all of them without), so the bound is 0.9
    assertTrue(onP90 <= 50 || onP90 < 0.9 * offP90, "spilling cuts hk-npu's queued work: p90 " + onP90
        + " ms with it, " + offP90 + " ms without");
  }

  @Test
  void hedging_aSlowedLanesRequestsAreAnsweredByTheNextLane_withinTheBudget_andTheLoserIsFreed() throws Exception {
    usePolicy(INTERACTIVE_NPU_FIRST + "spillover: {enabled: false}\nhedging: {enabled: true, budget: 0.5, burst: 2}\n");
    for (int i = 0; i < 40; i++) { // latency history on hk-npu: the hedge threshold is its recent p95
      assertEquals(200, post(body("warm " + i, "interactive", 0, 1)).statusCode());
    }
    long eligible0 = gateway.dispatcher().hedgeEligible();
    long sent0 = gateway.dispatcher().hedgesSent();
    var npu = guarded("hk-npu");
    long computed0 = npu.computedTexts();
    gateway.lanes().faults().setFault("hk-npu0", Duration.ofMillis(300), null, 1.0, true);
    int hedgedByGeneral = 0;
    int unhedgedByNpu = 0;
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = post(body("slow lane " + i, "interactive", 0, 1));
      assertEquals(200, r.statusCode(), r.body());
      JsonObject p = new JsonObject(r.body()).getJsonObject("parameters");
      if (p.getBoolean("hedged")) {
        assertEquals("hk-general", p.getString("lane"), "the hedge answered first: " + p);
        assertTrue(p.getBoolean("degraded"));
        hedgedByGeneral++;
      } else {
        assertEquals("hk-npu", p.getString("lane"), "over the budget: the slow lane answered: " + p);
        unhedgedByNpu++;
      }
    }
    long eligible = gateway.dispatcher().hedgeEligible() - eligible0;
    long sent = gateway.dispatcher().hedgesSent() - sent0;
    System.out.printf("hedging: %d eligible, %d hedges sent, %d answered by hk-general, %d by the slowed hk-npu%n",
        eligible, sent, hedgedByGeneral, unhedgedByNpu);
    assertEquals(20, eligible);
    assertTrue(hedgedByGeneral > 0, "some requests were hedged");
    assertEquals(sent, hedgedByGeneral, "every hedge sent won against the slowed lane");
    // the budget: hedges never exceed 0.5 x the eligible requests since the start; in this window, at most that
    // share plus the credits saved before it (the burst, 2)
    assertTrue(gateway.dispatcher().hedgesSent() <= 0.5 * gateway.dispatcher().hedgeEligible(),
        gateway.dispatcher().hedgesSent() + " hedges for " + gateway.dispatcher().hedgeEligible() + " eligible");
    assertTrue(sent <= 0.5 * eligible + 2, "the budget is never exceeded: " + sent + " of " + eligible);
    assertTrue(unhedgedByNpu > 0, "the budget ran out: some requests waited for the slowed lane");
    // the losers were cancelled during the injected latency: their texts never reached hk-npu's executor
    assertEquals(computed0 + unhedgedByNpu, npu.computedTexts(),
        "hk-npu computed only the requests it answered");
    assertNull(guarded("hk-npu").unavailableReason(), "a slow lane is not ejected");
  }

  @Test
  void aRestClientThatDisconnects_cancelsItsWork_whichNeverRuns() throws Exception {
    usePolicy(GPU_FIRST + "spillover: {enabled: false}\n"); // keep it on the slowed lane
    // hk-gpu0 answers after 1.5 s of injected latency: the request waits there while its client goes away
    gateway.lanes().faults().setFault("hk-gpu0", Duration.ofMillis(1500), null, 1.0, true);
    long computed0 = gateway.lanes().get("hk-general").computedTexts();
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + MINILM))
        .POST(HttpRequest.BodyPublishers.ofString(body("a client that leaves", "standard", 0, 1)))
        .header("content-type", "application/json").header("cache-control", "no-cache")
        .timeout(Duration.ofMillis(300)).build();
    assertThrows(java.net.http.HttpTimeoutException.class, () -> FLOOD.send(r, HttpResponse.BodyHandlers.ofString()));
    // had it not been cancelled, its slot would free only once hk-general had computed it
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((guarded("hk-general").admittedInFlight() > 0 || gateway.inFlight() > 0) && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertEquals(0, guarded("hk-general").admittedInFlight());
    assertEquals(0, gateway.inFlight(), "the gateway released the request");
    assertEquals(computed0, gateway.lanes().get("hk-general").computedTexts(), "the cancelled text was never computed");
  }

  @Test
  void explain_showsEstimates_theSpill_andTheHedgeThreshold() throws Exception {
    usePolicy(INTERACTIVE_NPU_FIRST + "hedging: {enabled: true}\nlatency_budgets: {interactive: 30ms}\n");
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.httpPort() + "/v2/routing/explain"))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model_name\":\"all-minilm-l6-v2\",\"model_version\":\"int8\"}"))
        .header("x-laneway-latency-class", "interactive").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject e = new JsonObject(r.body());
    assertEquals(30.0, e.getDouble("latency_budget_ms"));
    assertTrue(e.getBoolean("hedging"));
    JsonArray candidates = e.getJsonArray("candidates");
    for (Object o : candidates) {
      assertTrue(((JsonObject) o).getDouble("estimate_ms") > 0, "every local lane has an estimate: " + o);
    }
    assertTrue(candidates.getJsonObject(0).containsKey("hedge_after_ms"), r.body());
    // an idle gateway does not spill; with hk-npu slowed by 200 ms the same request would
    assertNull(e.getValue("spill"), r.body());
    gateway.lanes().faults().setFault("hk-npu0", Duration.ofMillis(200), null, 1.0, true);
    JsonObject slowed = new JsonObject(HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.httpPort() + "/v2/routing/explain"))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model_name\":\"all-minilm-l6-v2\",\"model_version\":\"int8\"}"))
        .header("x-laneway-latency-class", "interactive").build(), HttpResponse.BodyHandlers.ofString()).body());
    JsonObject spill = slowed.getJsonObject("spill");
    assertEquals("hk-npu", spill.getString("from"), slowed.encode());
    assertEquals("hk-general", spill.getString("to"));
    assertTrue(spill.getString("reason").contains("breaks the interactive budget of 30 ms"), spill.encode());
    assertFalse(slowed.getJsonArray("candidates").getJsonObject(0).getString("lane").equals("hk-npu"));
  }
}
