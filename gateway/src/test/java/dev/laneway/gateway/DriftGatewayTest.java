package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The device failure modes of issue 18 against a real gateway on the embedded default (real ONNX Runtime, MiniLM fp32
 * and int8, HTTP on 127.0.0.1 port 0): {@code hk-npu} is a CPU stand-in for an NPU, and its faults are injected on the
 * admin door (the one thing mocked: a drifting or failing NPU cannot be had here). Shadow checks run on every answer
 * ({@code --drift-shadow-rate 1}) with a window of {@value #WINDOW} checks; the cache is off so every request reaches a
 * lane, and spillover is off ({@code drift-policy.yaml}). Requests are sent one at a time and each test waits on the drift state's check count, never on time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftGatewayTest {
  static final int WINDOW = 10;
  static final String INT8 = "/v2/models/all-minilm-l6-v2/versions/int8/infer";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static Gateway gateway;
  static List<String> sentences;
  static int next;

  @BeforeAll
  static void start() throws Exception {
    java.nio.file.Path policy = java.nio.file.Path.of(DriftGatewayTest.class.getResource("/drift-policy.yaml").toURI());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("cache-max-bytes", "0").with("policy", policy.toString())
        .with("drift-shadow-rate", "1").with("drift-shadow-per-minute", "100000")
        .with("drift-window", String.valueOf(WINDOW)));
    sentences = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(DriftGatewayTest.class
        .getResourceAsStream("/laneway/calibration.txt"), StandardCharsets.UTF_8))) {
      // the English half: MiniLM's int8 stays near its fp32 on them (admission's calibration set)
      r.lines().filter(l -> !l.isBlank() && l.chars().allMatch(c -> c < 128)).limit(20).forEach(sentences::add);
    }
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  @AfterEach
  void clear() throws Exception {
    for (String d : List.of("hk-gpu0", "hk-npu0", "intl-gpu0")) post("/v2/admin/devices/" + d + "/fault", "{}");
    post("/v2/admin/lanes/hk-npu/drift", "{\"model\":\"all-minilm-l6-v2\",\"variant\":\"int8\",\"state\":\"auto\"}");
  }

  @Test
  @Order(1)
  void corrupt_demotesWithinOneWindow_fallbackAnswers_readmittedWithinOneWindowOfClearing() throws Exception {
    // healthy: a full window of checks keeps the lane
    for (int i = 0; i < WINDOW; i++) assertEquals("hk-npu", servedAndChecked("hk-npu", "hk-npu"));
    JsonObject healthy = drift("hk-npu");
    assertFalse(healthy.getBoolean("demoted"), healthy.encode());
    assertTrue(healthy.getDouble("mean_cosine") >= 0.98, healthy.encode());
    assertEquals(0.98, healthy.getDouble("bound"), 1e-9, "the lane's admission min_cosine");

    assertEquals(200, post("/v2/admin/devices/hk-npu0/fault", "{\"corrupt\":0.5,\"seed\":1}").statusCode());
    long injected = drift("hk-npu").getLong("checks");
    int served = 0;
    while (!drift("hk-npu").getBoolean("demoted")) {
      assertEquals("hk-npu", servedAndChecked("hk-npu", "hk-npu"), "clients keep getting answers meanwhile");
      assertTrue(++served <= WINDOW, "demoted within one window of drifted checks");
    }
    JsonObject demoted = drift("hk-npu");
    assertTrue(demoted.getLong("checks") - injected <= WINDOW, demoted.encode());
    assertTrue(demoted.getString("reason").contains("mean cosine"), demoted.encode());
    JsonObject explained = explain();
    assertEquals("hk-general", explained.getJsonArray("candidates").getJsonObject(0).getString("lane"));
    assertTrue(explained.getJsonArray("skipped").stream().map(o -> (JsonObject) o).anyMatch(s ->
        s.getString("lane").equals("hk-npu") && s.getString("kind").equals("drift")), explained.encode());
    assertEquals(1, Samples.sum(gateway.telemetry().prometheusText(), "laneway_drift_demoted",
        "lane=\"hk-npu\"", "variant=\"int8\""));

    // the fallback answers while the trickle checks the demoted lane; the fault is cleared, and within one window of
    // checks taken after that the lane is back
    for (int i = 0; i < 3; i++) assertEquals("hk-general", servedAndChecked("hk-general", "hk-npu"));
    assertEquals(200, post("/v2/admin/devices/hk-npu0/fault", "{}").statusCode());
    long cleared = drift("hk-npu").getLong("checks");
    int trickle = 0;
    while (drift("hk-npu").getBoolean("demoted")) {
      assertEquals("hk-general", servedAndChecked("hk-general", "hk-npu"));
      assertTrue(++trickle <= WINDOW, "re-admitted within one window of checks after clearing: " + drift("hk-npu"));
    }
    assertTrue(drift("hk-npu").getLong("checks") - cleared <= WINDOW);
    assertEquals("hk-npu", servedAndChecked("hk-npu", "hk-npu"), "routing takes the lane again");
  }

  @Test
  @Order(2)
  void nan_noClientGetsANonFiniteValue_badAttemptsRetriedElsewhere() throws Exception {
    String before = gateway.telemetry().prometheusText();
    assertEquals(200, post("/v2/admin/devices/hk-npu0/fault", "{\"nan_rate\":0.01,\"seed\":11}").statusCode());
    int elsewhere = 0;
    for (int i = 0; i < 400; i++) {
      JsonObject r = infer(sentences.get(i % sentences.size()));
      if (!r.getJsonObject("parameters").getString("lane").equals("hk-npu")) elsewhere++;
    }
    String after = gateway.telemetry().prometheusText();
    double bad = Samples.delta(before, after, "laneway_output_sanity_failures_total", "lane=\"hk-npu\"");
    assertTrue(bad >= 1, "the seeded 1% hit at least once in 400: " + bad);
    assertTrue(elsewhere >= bad, "each bad attempt answered by another lane: " + elsewhere + " of " + bad);
  }

  @Test
  @Order(3)
  void nan_atAHighRate_opensTheBreaker_andClientsStillGetFiniteAnswers() throws Exception {
    assertEquals(200, post("/v2/admin/devices/hk-npu0/fault", "{\"nan_rate\":1}").statusCode());
    int sent = 0;
    while (!lane("hk-npu").getString("breaker").equals("open")) {
      infer(sentences.get(sent % sentences.size()));
      assertTrue(++sent <= 50, "breaker open after " + sent + ": " + lane("hk-npu").encode());
    }
    JsonObject r = infer("after the breaker opened");
    assertEquals("hk-general", r.getJsonObject("parameters").getString("lane"));
  }

  @Test
  @Order(4)
  void oom_largerBatchesSucceedThroughSplits() throws Exception {
    // the executor's own test (DeviceMemoryTest) runs one 16-row batch against a limit of 8 rows; through the gateway
    // the batches a request's texts form depend on timing, so the device here allocates at most 2 rows: any batch of
    // the request's 16 texts above that splits, and the client still gets 16 answers equal to those of whole batches
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 16; i++) texts.add(sentences.get(i % sentences.size()) + " #" + i);
    String fp32 = "/v2/models/all-minilm-l6-v2/versions/fp32/infer";
    JsonArray whole = vectors(post(fp32, body(texts, "standard")));
    String before = gateway.telemetry().prometheusText();
    assertEquals(200, post("/v2/admin/devices/hk-gpu0/fault", "{\"oom_above\":2}").statusCode());
    assertEquals(2, lane("hk-general").getJsonArray("devices").getJsonObject(0).getInteger("oom_above"));
    HttpResponse<String> r = post(fp32, body(texts, "standard"));
    JsonArray split = vectors(r);
    JsonObject parameters = new JsonObject(r.body()).getJsonObject("parameters");
    assertEquals("hk-general", parameters.getString("lane"), parameters.encode());
    assertEquals(whole.size(), split.size());
    for (int i = 0; i < split.size(); i++) {
      assertEquals(whole.getDouble(i), split.getDouble(i), 1e-4, "the same vectors from split batches");
    }
    String after = gateway.telemetry().prometheusText();
    assertTrue(Samples.delta(before, after, "laneway_oom_splits_total", "lane=\"hk-general\"") >= 1,
        "splits counted");
    assertEquals(0, Samples.delta(before, after, "laneway_output_sanity_failures_total"), "no attempt failed");
  }

  @Test
  @Order(5)
  void admin_pinsTheDriftState_andRefusesBadFaultsWithTheirReason() throws Exception {
    HttpResponse<String> pinned = post("/v2/admin/lanes/hk-npu/drift",
        "{\"model\":\"all-minilm-l6-v2\",\"variant\":\"int8\",\"state\":\"demoted\"}");
    assertEquals(200, pinned.statusCode(), pinned.body());
    assertEquals("demoted", new JsonObject(pinned.body()).getString("pin"));
    assertTrue(explain().getJsonArray("skipped").encode().contains("drift: demoted by an operator"));
    assertEquals("hk-general", infer("pinned away").getJsonObject("parameters").getString("lane"));
    assertEquals(404, post("/v2/admin/lanes/hk-tpu/drift",
        "{\"model\":\"all-minilm-l6-v2\",\"variant\":\"int8\",\"state\":\"auto\"}").statusCode());
    assertEquals(400, post("/v2/admin/lanes/hk-npu/drift",
        "{\"model\":\"all-minilm-l6-v2\",\"variant\":\"int8\",\"state\":\"maybe\"}").statusCode());

    HttpResponse<String> throttle = post("/v2/admin/devices/hk-npu0/fault", "{\"throttle_per_in_flight\":\"5ms\"}");
    assertEquals(200, throttle.statusCode(), throttle.body());
    assertEquals(5.0, new JsonObject(throttle.body()).getDouble("throttle_per_in_flight_ms"));
    for (String bad : List.of("{\"nan_rate\":2}", "{\"corrupt\":-1}", "{\"oom_above\":\"8\"}",
        "{\"throttle_per_in_flight\":\"soon\"}", "{\"melt\":1}")) {
      HttpResponse<String> r = post("/v2/admin/devices/hk-npu0/fault", bad);
      assertEquals(400, r.statusCode(), bad + " -> " + r.body());
      assertTrue(new JsonObject(r.body()).getString("error") != null, r.body());
    }
  }

  @Test
  @Order(6)
  void cpuFallbackRatio_isOneOnTheStandIns_inMetadataAndMetrics() throws Exception {
    HttpResponse<String> r = get("/v2/models/all-minilm-l6-v2/versions/int8");
    assertEquals(200, r.statusCode(), r.body());
    // OIP parameters are scalars: the lanes come as one JSON string
    JsonArray lanes = new JsonArray(new JsonObject(r.body()).getJsonObject("parameters").getString("lanes"));
    JsonObject npu = lanes.stream().map(o -> (JsonObject) o).filter(l -> l.getString("lane").equals("hk-npu"))
        .findFirst().orElseThrow();
    assertEquals(1.0, npu.getDouble("cpu_fallback_ratio"), npu.encode());
    assertTrue(npu.getString("cpu_fallback").startsWith("stand-in"), npu.encode());
    assertEquals(1.0, Samples.sum(gateway.telemetry().prometheusText(), "laneway_cpu_fallback_ratio",
        "lane=\"hk-npu\"", "variant=\"int8\"", "model=\"all-minilm-l6-v2\""));
  }

  /** One interactive int8 request; waits until the drift state of {@code checked} counted its shadow check. */
  static String servedAndChecked(String expectedLane, String checked) throws Exception {
    long before = drift(checked).getLong("checks");
    JsonObject r = infer(sentences.get(next++ % sentences.size()));
    String lane = r.getJsonObject("parameters").getString("lane");
    assertEquals(expectedLane, lane, r.getJsonObject("parameters").encode());
    Await.until(() -> drift(checked).getLong("checks") > before, Duration.ofSeconds(20), checked + " checked");
    return lane;
  }

  static JsonObject infer(String text) throws Exception {
    HttpResponse<String> r = post(INT8, body(List.of(text), "interactive"));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body());
    for (Object v : out.getJsonArray("outputs").getJsonObject(0).getJsonArray("data")) {
      assertTrue(Double.isFinite(((Number) v).doubleValue()), "a non-finite value reached the client: " + r.body());
    }
    return out;
  }

  static JsonArray vectors(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("data");
  }

  static String body(List<String> texts, String latencyClass) {
    return new JsonObject().put("parameters", new JsonObject().put("latency_class", latencyClass))
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "text").put("datatype", "BYTES")
            .put("shape", new JsonArray().add(texts.size())).put("data", new JsonArray(texts)))).encode();
  }

  static JsonObject drift(String lane) {
    try {
      HttpResponse<String> r = get("/v2/admin/drift");
      for (Object o : new JsonObject(r.body()).getJsonArray("drift")) {
        JsonObject s = (JsonObject) o;
        if (s.getString("lane").equals(lane) && s.getString("variant").equals("int8")
            && s.getString("model").equals("all-minilm-l6-v2")) {
          return s;
        }
      }
      return new JsonObject().put("demoted", false).put("checks", 0L);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static JsonObject lane(String id) throws Exception {
    for (Object o : new JsonObject(get("/v2/admin/lanes").body()).getJsonArray("lanes")) {
      if (((JsonObject) o).getString("id").equals(id)) return (JsonObject) o;
    }
    throw new AssertionError("no lane " + id);
  }

  static JsonObject explain() throws Exception {
    HttpResponse<String> r = post("/v2/routing/explain", new JsonObject().put("model_name", "all-minilm-l6-v2")
        .put("model_version", "int8").put("parameters", new JsonObject().put("latency_class", "interactive")).encode());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).GET()
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }


  /** The admin door apart: /v2/admin on the admin port, the rest on the HTTP port. */
  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + (path.startsWith("/v2/admin/") ? gateway.adminPort() : gateway.httpPort())
        + path);
  }
}
