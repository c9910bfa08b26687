package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing, fallback and fault injection against a real gateway (real ONNX Runtime, real int8 models, HTTP on
 * 127.0.0.1 port 0) on the test topology {@code routing-topology.yaml}: lanes hk-general, hk-npu (specialised,
 * MiniLM only), intl-general, devices as in the default. Devices are CPU stand-ins; going offline is the injected
 * fault (the one thing mocked: an NPU cannot be unplugged here). Each test puts every device back online and waits for
 * every breaker to close.
 */
class RoutingGatewayTest {
  static final String MINILM = "/v2/models/all-minilm-l6-v2/versions/int8/infer";
  static final String BGE = "/v2/models/bge-small-zh-v1.5/infer";
  @TempDir static Path dir;
  static Path policy;
  static Gateway gateway;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path topology = Path.of(RoutingGatewayTest.class.getResource("/routing-topology.yaml").toURI());
    policy = dir.resolve("policy.yaml");
    Files.writeString(policy, Files.readString(Path.of(RoutingGatewayTest.class.getResource("/routing-policy.yaml").toURI())));
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  @AfterEach
  void allOnline() throws Exception {
    for (String d : List.of("hk-gpu0", "hk-npu0", "intl-gpu0")) {
      assertEquals(200, post("/v2/admin/devices/" + d + "/online", "", Map.of()).statusCode());
      post("/v2/admin/devices/" + d + "/fault", "{}", Map.of());
    }
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < until) {
      boolean closed = true;
      for (Object o : lanes()) closed &= ((JsonObject) o).getString("breaker").equals("closed");
      if (closed) {
        settleRouting();
        return;
      }
      // traffic through every lane lets half-open probes close the breakers
      // (no-cache: a cached "probe" would be answered without reaching a lane)
      post(MINILM, body("probe", "interactive"), Map.of("cache-control", "no-cache"));
      post(MINILM, body("probe", "standard"), Map.of("cache-control", "no-cache"));
      post(MINILM, body("probe", "standard"), Map.of("x-laneway-region", "intl", "cache-control", "no-cache"));
      Thread.sleep(50);
    }
    fail("breakers did not close: " + lanes());
  }

  /**
   * A test's load may leave a latency class spilling off its preferred lane (the router's hysteresis, cleared by the
   * next decision that finds the lane's queue empty): once every lane is idle, one request per path puts each class
   * back on its policy's first lane, so the next test starts from the policy's order.
   */
  static void settleRouting() throws Exception {
    Await.until(() -> gateway.lanes().all().stream().allMatch(l -> l.inFlight() == 0), Duration.ofSeconds(20),
        "every lane idle");
    post(MINILM, body("settle", "interactive"), Map.of("cache-control", "no-cache"));
    post(MINILM, body("settle", "standard"), Map.of("cache-control", "no-cache"));
    post(MINILM, body("settle", "standard"), Map.of("x-laneway-region", "intl", "cache-control", "no-cache"));
    JsonObject explained = new JsonObject(post("/v2/routing/explain", new JsonObject()
        .put("model_name", "all-minilm-l6-v2").put("model_version", "int8")
        .put("parameters", new JsonObject().put("latency_class", "interactive")).encode(), Map.of()).body());
    assertEquals("hk-npu", explained.getJsonArray("candidates").getJsonObject(0).getString("lane"),
        "interactive back on hk-npu: " + explained.encode());
  }

  static String body(String text, String latencyClass) {
    return new JsonObject().put("parameters", new JsonObject().put("latency_class", latencyClass))
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "text").put("datatype", "BYTES")
            .put("shape", new JsonArray().add(1)).put("data", new JsonArray().add(text)))).encode();
  }

  static HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
    int port = path.startsWith("/v2/admin/") ? gateway.adminPort() : gateway.httpPort(); // the admin door apart
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
        .timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonArray lanes() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.adminPort() + "/v2/admin/lanes")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("lanes");
  }

  static String breaker(String lane) throws Exception {
    for (Object o : lanes()) {
      if (((JsonObject) o).getString("id").equals(lane)) return ((JsonObject) o).getString("breaker");
    }
    throw new AssertionError("no lane " + lane);
  }

  /** Epoch millis of the first breaker transition of this kind at or after {@code since}, or -1. */
  static long transition(String lane, String kind, long since) {
    try {
      for (Object o : lanes()) {
        JsonObject l = (JsonObject) o;
        if (!l.getString("id").equals(lane)) continue;
        for (Object h : l.getJsonArray("breaker_history")) {
          String[] parts = ((String) h).split(" @");
          long at = Long.parseLong(parts[1]);
          if (parts[0].equals(kind) && at >= since) return at;
        }
      }
      return -1;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean breakerIs(String lane, String state) {
    try {
      return breaker(lane).equals(state);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void explain_namesTheRuleTheCandidatesAndWhyOthersWereSkipped() throws Exception {
    HttpResponse<String> r = post("/v2/routing/explain", new JsonObject().put("model_name", "all-minilm-l6-v2")
        .put("model_version", "int8").put("parameters", new JsonObject().put("latency_class", "interactive")).encode(),
        Map.of());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject e = new JsonObject(r.body());
    System.out.println("explain: " + e.encode());
    assertEquals("interactive-int8-npu", e.getString("rule"));
    assertEquals(List.of("hk-npu", "hk-general", "intl-general"),
        e.getJsonArray("candidates").stream().map(o -> ((JsonObject) o).getString("lane")).toList());
    assertEquals("closed", e.getJsonArray("candidates").getJsonObject(0).getString("breaker"));
    assertEquals(40.0, e.getJsonArray("candidates").getJsonObject(2).getDouble("rtt_ms"));

    JsonObject bge = new JsonObject(post("/v2/routing/explain", new JsonObject().put("model_name", "bge-small-zh-v1.5")
        .encode(), Map.of()).body());
    assertEquals("bge-anywhere", bge.getString("rule"));
    assertTrue(bge.getJsonArray("skipped").stream().map(o -> (JsonObject) o).anyMatch(s ->
        s.getString("lane").equals("hk-npu") && s.getString("reason").startsWith("space:")), bge.encode());

    HttpResponse<String> unknownKey = post("/v2/routing/explain", new JsonObject().put("model_name", "all-minilm-l6-v2")
        .encode(), Map.of("x-api-key", "stolen"));
    assertEquals(401, unknownKey.statusCode(), unknownKey.body());
    assertEquals(404, post("/v2/routing/explain", "{\"model_name\":\"nope\"}", Map.of()).statusCode());
  }

  @Test
  void answers_carryTheRoutingParameters() throws Exception {
    HttpResponse<String> r = post(MINILM, body("hello", "interactive"), Map.of("x-api-key", "roamer-key"));
    assertEquals(200, r.statusCode(), r.body());
    HttpResponse<String> plan = post(MINILM, body("hello", "interactive"), Map.of("x-api-key", "batch-plan-key"));
    assertEquals(403, plan.statusCode(), "a tenant on a batch plan may not send interactive: " + plan.body());
    assertTrue(plan.body().contains("may not send latency class 'interactive'"), plan.body());
    assertEquals(200, post(MINILM, body("hello", "batch"), Map.of("x-api-key", "batch-plan-key")).statusCode());
    JsonObject p = new JsonObject(r.body()).getJsonObject("parameters");
    assertEquals("hk-npu", p.getString("lane"));
    assertEquals("hk-npu0", p.getString("device"));
    assertEquals("interactive-int8-npu", p.getString("rule"));
    assertEquals("roamer", p.getString("tenant"));
    assertEquals(false, p.getBoolean("degraded"));
    assertEquals(true, p.getBoolean("stand_in"));
    for (String k : List.of("variant", "region", "provider", "attempts", "latency_class", "client_region", "queue_ms",
        "compute_ms", "executor_ms")) {
      assertTrue(p.containsKey(k), k);
    }
    JsonObject npu = lanes().stream().map(o -> (JsonObject) o).filter(l -> l.getString("id").equals("hk-npu"))
        .findFirst().orElseThrow();
    JsonObject admitted = npu.getJsonArray("admission").getJsonObject(0);
    assertTrue(admitted.getBoolean("admitted"), npu.encode());
    assertEquals("all-minilm-l6-v2", admitted.getString("model"), npu.encode());
  }

  /** The breaker history of a lane, oldest first: {@code "open -> half_open @<epoch millis>"}. */
  static List<String> history(String lane) throws Exception {
    for (Object o : lanes()) {
      JsonObject l = (JsonObject) o;
      if (l.getString("id").equals(lane)) {
        return l.getJsonArray("breaker_history").stream().map(String::valueOf).toList();
      }
    }
    throw new AssertionError("no lane " + lane);
  }

  /**
   * 32 concurrent clients send interactive int8 MiniLM (routed to hk-npu first); hk-npu0 goes offline mid-run and
   * comes back. Every request gets an answer (200 via a fallback lane, or a typed error), none hangs or is lost; the
   * breaker opens, answers come degraded from hk-general, and once the device is back the breaker closes through
   * half-open and traffic returns. Every wait is bounded in terms of hk-npu's declared {@code wait_in_open} (read
   * from the running topology), not the breaker's default.
   */
  @Test
  void npuOffline_under32Clients_fallsBackDegraded_breakerOpensThenClosesThroughHalfOpen() throws Exception {
    Duration waitInOpen = gateway.topology().lane("hk-npu").breaker().waitInOpen();
    assertEquals(Duration.ofMillis(500), waitInOpen, "routing-topology.yaml declares it");
    Duration bound = waitInOpen.plusSeconds(15);
    int clients = 32;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger untyped = new AtomicInteger();
    AtomicInteger failedWhileOpening = new AtomicInteger();
    AtomicBoolean opening = new AtomicBoolean();
    AtomicLong npuAfterClose = new AtomicLong();
    AtomicBoolean closedAgain = new AtomicBoolean();
    Map<String, AtomicInteger> byLane = new ConcurrentHashMap<>();
    AtomicInteger degradedHkGeneral = new AtomicInteger();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      int id = c;
      Thread.ofPlatform().daemon().start(() -> {
        try {
          int i = 0;
          while (!stop.get()) {
            sent.incrementAndGet();
            HttpResponse<String> r = post(MINILM, body("client " + id + " request " + i++, "interactive"), Map.of());
            answered.incrementAndGet();
            if (r.statusCode() == 200) {
              JsonObject p = new JsonObject(r.body()).getJsonObject("parameters");
              byLane.computeIfAbsent(p.getString("lane"), k -> new AtomicInteger()).incrementAndGet();
              if (p.getString("lane").equals("hk-general") && p.getBoolean("degraded")) degradedHkGeneral.incrementAndGet();
              if (closedAgain.get() && p.getString("lane").equals("hk-npu")) npuAfterClose.incrementAndGet();
            } else {
              failed.incrementAndGet();
              if (opening.get()) failedWhileOpening.incrementAndGet();
              if (!(r.statusCode() == 503 || r.statusCode() == 429) || !new JsonObject(r.body()).containsKey("error")) {
                untyped.incrementAndGet();
              }
            }
          }
        } catch (Throwable t) {
          errors.add(t);
        } finally {
          done.countDown();
        }
      });
    }
    long offlineAt;
    long onlineAt;
    long openedAt;
    long closedAt;
    try {
      Await.until(() -> byLane.getOrDefault("hk-npu", new AtomicInteger()).get() >= 20, Duration.ofSeconds(30),
          "traffic reaches hk-npu first (by lane " + byLane + ")");
      opening.set(true);
      offlineAt = System.currentTimeMillis();
      assertEquals(200, post("/v2/admin/devices/hk-npu0/offline", "", Map.of()).statusCode());
      Await.until(() -> transition("hk-npu", "closed -> open", offlineAt) >= 0, bound, "hk-npu's breaker opens");
      openedAt = transition("hk-npu", "closed -> open", offlineAt);
      opening.set(false);
      Await.until(() -> degradedHkGeneral.get() >= 20, bound, "degraded answers from hk-general");
      onlineAt = System.currentTimeMillis();
      assertEquals(200, post("/v2/admin/devices/hk-npu0/online", "", Map.of()).statusCode());
      Await.until(() -> transition("hk-npu", "half_open -> closed", onlineAt) >= 0, bound,
          "hk-npu's breaker closes again");
      closedAt = transition("hk-npu", "half_open -> closed", onlineAt);
      closedAgain.set(true);
      Await.until(() -> npuAfterClose.get() >= 20, bound, "traffic returns to hk-npu");
    } finally {
      stop.set(true);
    }
    assertTrue(done.await(60, java.util.concurrent.TimeUnit.SECONDS), "clients finished (none hung)");
    // the breaker's path since the device went offline: opened, then (after wait_in_open, perhaps through failed
    // half-open probes while the device was still offline) half-open, whose probes closed it once it was back
    List<String> since = history("hk-npu").stream()
        .filter(h -> Long.parseLong(h.substring(h.indexOf(" @") + 2)) >= offlineAt).toList();
    System.out.printf("fault injection: %d clients, %d requests, by lane %s, degraded via hk-general %d, failed %d;"
        + " offline->open %d ms with %d failed requests in that window; online->closed %d ms; breaker %s%n",
        clients, answered.get(), byLane, degradedHkGeneral.get(), failed.get(), openedAt - offlineAt,
        failedWhileOpening.get(), closedAt - onlineAt, since);
    assertTrue(errors.isEmpty(), "client errors (timeouts would show here): " + errors);
    assertEquals(sent.get(), answered.get(), "none lost");
    assertEquals(0, untyped.get(), "every failure is a typed 503/429 with an error body");
    assertTrue(since.getFirst().startsWith("closed -> open"), "opened first: " + since);
    int closed = since.indexOf(since.stream().filter(h -> h.startsWith("half_open -> closed")).findFirst().orElseThrow());
    assertTrue(closed >= 2 && since.get(closed - 1).startsWith("open -> half_open"),
        "closed through half-open: " + since);
    for (int i = 1; i < closed; i++) {
      assertTrue(since.get(i).startsWith("open -> half_open") || since.get(i).startsWith("half_open -> open"),
          "only open and half-open between opening and closing: " + since);
    }
    assertTrue(degradedHkGeneral.get() >= 20, "degraded answers from hk-general: " + byLane);
    assertTrue(npuAfterClose.get() >= 20, "traffic returned to hk-npu");
  }

  @Test
  void allHkDown_roamerFailsOverToIntl_residentTenantGets503NamingResidency() throws Exception {
    post("/v2/admin/devices/hk-gpu0/offline", "", Map.of());
    post("/v2/admin/devices/hk-npu0/offline", "", Map.of());
    for (int i = 0; i < 12; i++) {
      HttpResponse<String> roam = post(MINILM, body("roaming " + i, "standard"), Map.of("x-api-key", "roamer-key"));
      assertEquals(200, roam.statusCode(), roam.body());
      JsonObject p = new JsonObject(roam.body()).getJsonObject("parameters");
      assertEquals("intl-general", p.getString("lane"));
      assertEquals("intl", p.getString("region"));
      assertTrue(p.getBoolean("degraded"));
      HttpResponse<String> bank = post(MINILM, body("resident " + i, "standard"), Map.of("x-api-key", "hk-bank-key"));
      assertEquals(503, bank.statusCode(), bank.body());
      assertTrue(bank.body().contains("residency constraint"), bank.body());
    }
    assertEquals("open", breaker("hk-general"), "the hk breaker opened; later requests skip hk before trying it");
  }

  @Test
  void bge_neverLandsOnTheMiniLmLane_evenWhenEveryBgeLaneFails() throws Exception {
    post("/v2/admin/devices/hk-gpu0/offline", "", Map.of());
    post("/v2/admin/devices/intl-gpu0/offline", "", Map.of());
    for (int i = 0; i < 12; i++) {
      HttpResponse<String> r = post(BGE, body("你好 " + i, i % 2 == 0 ? "interactive" : "standard"), Map.of());
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("hk-npu: space"), r.body());
    }
    // the MiniLM lane is healthy and serving all along
    HttpResponse<String> mini = post(MINILM, body("still here", "interactive"), Map.of());
    assertEquals("hk-npu", new JsonObject(mini.body()).getJsonObject("parameters").getString("lane"));
  }

  @Test
  void reload_invalidPolicyIsRefusedWithItsLine_andTheOldOneKeepsServing_validOneIsPickedUpByTheWatch()
      throws Exception {
    String original = Files.readString(policy);
    List<String> npuHistory = history("hk-npu");
    try {
      Files.writeString(policy, original.replace("    lanes:\n      - {class: specialised, region: client}",
          "    lanes:\n      - {lane: hk-tpu}"));
      HttpResponse<String> refused = post("/v2/admin/reload", "", Map.of());
      assertEquals(422, refused.statusCode(), refused.body());
      assertTrue(refused.body().matches(".*policy.yaml:\\d+:\\d+: rules\\[1\\].lanes\\[0\\].lane: unknown lane 'hk-tpu'.*"),
          refused.body());
      HttpResponse<String> r = post(MINILM, body("still routed", "interactive"), Map.of());
      assertEquals("interactive-int8-npu", new JsonObject(r.body()).getJsonObject("parameters").getString("rule"));

      Files.writeString(policy, original.replace("name: gpu-first", "name: gpu-first-v2")
          .replace("then: gpu-first", "then: gpu-first-v2"));
      Await.until(() -> {
        try {
          return new JsonObject(post(MINILM, body("watch", "standard"), Map.of()).body())
              .getJsonObject("parameters").getString("rule").equals("gpu-first-v2");
        } catch (Exception e) {
          return false;
        }
      }, Duration.ofSeconds(10), "the file watch reloaded the changed policy");
    } finally {
      Files.writeString(policy, original);
      assertEquals(200, post("/v2/admin/reload", "", Map.of()).statusCode());
    }
    // the original policy serves again, on the lanes that served before: no reload (refused or applied) touched them
    JsonObject standard = new JsonObject(post(MINILM, body("restored", "standard"), Map.of("cache-control", "no-cache")).body())
        .getJsonObject("parameters");
    assertEquals("gpu-first", standard.getString("rule"), standard.encode());
    JsonObject interactive = new JsonObject(post(MINILM, body("restored", "interactive"), Map.of("cache-control", "no-cache")).body())
        .getJsonObject("parameters");
    assertEquals("interactive-int8-npu", interactive.getString("rule"), interactive.encode());
    assertEquals("hk-npu", interactive.getString("lane"), interactive.encode());
    assertEquals("closed", breaker("hk-npu"));
    assertEquals(npuHistory, history("hk-npu"), "no breaker transition across the reloads");
  }

  @Test
  void admin_faultValidatesItsBody() throws Exception {
    assertEquals(404, post("/v2/admin/devices/nope/offline", "", Map.of()).statusCode());
    assertEquals(400, post("/v2/admin/devices/hk-npu0/fault", "{\"failure_rate\":2}", Map.of()).statusCode());
    assertEquals(400, post("/v2/admin/devices/hk-npu0/fault", "{\"latncy\":\"1ms\"}", Map.of()).statusCode());
    HttpResponse<String> ok = post("/v2/admin/devices/hk-npu0/fault", "{\"latency\":\"20ms\",\"failure_rate\":0.5}", Map.of());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(20.0, new JsonObject(ok.body()).getDouble("latency_ms"));
  }
}
