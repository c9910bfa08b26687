package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.observability.Telemetry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Burn rate fed back into admission, on a real gateway (one CPU lane, real ONNX Runtime) whose SLO guard runs on an
 * injected clock: a device made slow through the admin door makes every interactive answer miss its 300 ms threshold,
 * the interactive burn rate crosses the batch factor and batch requests are refused with {@code 429 slo_shed} (explain,
 * {@code /v2/slo} and the metrics say so) while standard and interactive still run; the fault cleared, interactive
 * answers are fast again, and batch is admitted only after the burn has stayed calm for the hold.
 */
class SloSheddingTest {
  static final long S = 1_000_000_000L;
  static final String INFER = "/v2/models/all-minilm-l6-v2/infer";
  static final AtomicLong CLOCK = new AtomicLong(1_000_000 * S);
  static final AtomicInteger TEXT = new AtomicInteger();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    Path slo = Files.createTempFile("slo", ".yaml");
    Files.writeString(slo, """
        objectives:
          - name: interactive
            latency_class: interactive
            latency: {target: 0.99, threshold: 300ms, window: 28d}
          - name: batch
            latency_class: batch
            availability: {target: 0.99, window: 28d}
        shedding: {protect: interactive, window: 5m, batch_above: 6, standard_above: 200, recover_below: 1, hold: 1m,
          min_requests: 5}
        """);
    gateway = Gateway.start(TracedGateway.oneLane().with("slo", slo.toString()).with("slo-shedding", "true"), Telemetry.create("t"), CLOCK::get);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  @Test
  void slowInteractive_shedsBatch_untilItHasBeenCalmForTheHold() throws Exception {
    assertEquals(200, infer("batch").statusCode(), "nothing burns yet");
    assertEquals(200, post("/v2/admin/devices/cpu0/fault", "{\"latency\":\"400ms\"}").statusCode());
    for (int i = 0; i < 6; i++) assertEquals(200, infer("interactive").statusCode());
    CLOCK.addAndGet(S); // the guard decides again

    HttpResponse<String> shed = infer("batch");
    assertEquals(429, shed.statusCode(), shed.body());
    assertTrue(shed.body().contains("SLO 'interactive' burns"), shed.body());
    assertEquals("60", shed.headers().firstValue("retry-after").orElse(""), "retry after the hold");
    assertEquals(200, infer("standard").statusCode(), "standard's factor (200x) is not reached: only batch is shed");
    assertEquals(200, infer("interactive").statusCode(), "what shedding protects is never shed");

    JsonObject slo = new JsonObject(get("/v2/slo").body());
    assertEquals("batch", slo.getJsonObject("shedding").getString("state"));
    JsonObject latency = slo.getJsonArray("objectives").getJsonObject(0);
    assertEquals("interactive-latency", latency.getString("slo"));
    assertEquals(100.0, latency.getJsonObject("windows").getJsonObject("5m").getDouble("burn_rate"), 1e-9,
        "every interactive answer missed: 100% bad against a 1% budget");
    JsonObject explained = new JsonObject(post("/v2/routing/explain", new JsonObject()
        .put("model_name", "all-minilm-l6-v2").put("parameters", new JsonObject().put("latency_class", "batch"))
        .encode()).body());
    assertEquals(true, explained.getJsonObject("slo").getBoolean("shed"), explained.encode());
    assertEquals("interactive", explained.getJsonObject("slo").getString("protects"));
    String metrics = gateway.telemetry().prometheusText();
    assertEquals(1.0, Samples.sum(metrics, "laneway_slo_shedding"), metrics);
    assertEquals(100.0, Samples.sum(metrics, "laneway_slo_burn_rate", "slo=\"interactive-latency\"",
        "window=\"5m\""), 1e-6, metrics);
    assertTrue(Samples.sum(metrics, "laneway_tenant_requests_total", "latency_class=\"batch\"",
        "outcome=\"slo_shed\"") >= 1, "a shed request is counted (against batch's own objective)");

    // the fault cleared: interactive is fast again; the slow answers leave the 5-minute window
    assertEquals(200, post("/v2/admin/devices/cpu0/fault", "{}").statusCode());
    CLOCK.addAndGet(6 * 60 * S);
    for (int i = 0; i < 6; i++) assertEquals(200, infer("interactive").statusCode());
    CLOCK.addAndGet(S);
    assertEquals(429, infer("batch").statusCode(), "calm now, but not yet for the hold: still shed (hysteresis)");
    CLOCK.addAndGet(30 * S);
    assertEquals(429, infer("batch").statusCode(), "30 s of a 60 s hold");
    CLOCK.addAndGet(31 * S);
    assertEquals(200, infer("batch").statusCode(), "calm for the hold: batch is admitted again");
    assertEquals("none", new JsonObject(get("/v2/slo").body()).getJsonObject("shedding").getString("state"));
  }

  static HttpResponse<String> infer(String latencyClass) throws Exception {
    String body = new JsonObject().put("parameters", new JsonObject().put("latency_class", latencyClass))
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "text").put("datatype", "BYTES")
            .put("shape", new JsonArray().add(1)).put("data", new JsonArray().add("slo text " + TEXT.incrementAndGet()))))
        .encode();
    return post(INFER, body);
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json").header("cache-control", "no-cache")
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(String path) {
    int port = path.startsWith("/v2/admin/") ? gateway.adminPort() : gateway.httpPort(); // the admin door apart
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
