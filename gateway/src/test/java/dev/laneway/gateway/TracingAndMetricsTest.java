package dev.laneway.gateway;

import dev.laneway.gateway.telemetry.MetricsServer;
import dev.laneway.gateway.telemetry.Tracing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.File;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tracing and metrics on a real gateway (one lane, real ONNX Runtime): the server span joins the caller's
 * {@code traceparent} and the trace id comes back in {@code x-trace-id}; {@code /metrics} on its own port is valid
 * Prometheus text (checked by {@code promtool} when it is installed, as CI does), its counters move with traffic, and
 * a request for an unknown model adds no label value.
 */
class TracingAndMetricsTest {
  private static final String INFER = "/v2/models/all-minilm-l6-v2/infer";
  private static TracedGateway g;

  @BeforeAll
  static void start() {
    g = TracedGateway.start(TracedGateway.oneLane());
  }

  @AfterAll
  static void stop() {
    if (g != null) g.close();
  }

  @Test
  void serverSpan_joinsTheCallersTraceparent_andReturnsTheTraceId() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentId = "00f067aa0ba902b7";
    HttpResponse<String> r = g.post(INFER, OipRestTest.infer("trace me"),
        Map.of("traceparent", "00-" + traceId + "-" + parentId + "-01"));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(traceId, r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElse(""));
    List<SpanData> server = g.awaitSpans(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER, 1);
    assertEquals(1, server.size(), "one server span in the caller's trace: " + server);
    assertEquals(parentId, server.getFirst().getParentSpanId(), "the server span's parent is the caller's span");
    assertTrue(server.getFirst().getParentSpanContext().isRemote());
    assertEquals("all-minilm-l6-v2", server.getFirst().getAttributes().get(
        io.opentelemetry.api.common.AttributeKey.stringKey("laneway.model")));
  }

  @Test
  void withoutTraceparent_aNewTraceStarts_andItsIdIsReturned() {
    HttpResponse<String> r = g.post(INFER, OipRestTest.infer("no parent"), Map.of());
    assertEquals(200, r.statusCode(), r.body());
    String traceId = r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElse("");
    assertTrue(traceId.matches("[0-9a-f]{32}") && !traceId.equals("0".repeat(32)), traceId);
    List<SpanData> server = g.awaitSpans(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER, 1);
    assertEquals(1, server.size());
    assertFalse(server.getFirst().getParentSpanContext().isValid(), "a root span");
  }

  @Test
  void aFailedRequest_hasAnErrorServerSpan_andStillReturnsTheTraceId() {
    HttpResponse<String> r = g.post("/v2/models/no-such-model/infer", OipRestTest.infer("x"), Map.of());
    assertEquals(404, r.statusCode(), r.body());
    String traceId = r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElse("");
    List<SpanData> server = g.awaitSpans(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER, 1);
    assertEquals(1, server.size());
    assertEquals(StatusCode.ERROR, server.getFirst().getStatus().getStatusCode());
  }

  @Test
  void metrics_areServedOnTheMetricsPort_inTheTextFormat() {
    HttpResponse<String> r = g.send(HttpRequest.newBuilder(g.metricsUri("/metrics")).GET().build());
    assertEquals(200, r.statusCode());
    assertEquals(MetricsServer.CONTENT_TYPE, r.headers().firstValue("content-type").orElse(""));
    assertNotEquals(g.gateway.httpPort(), g.gateway.metricsPort());
    String text = r.body();
    assertTrue(text.contains("# TYPE laneway_build_info gauge"), text);
    assertTrue(Pattern.compile("(?m)^laneway_build_info\\{.*providers=\"cpu\".*version=\"" + Gateway.VERSION + "\".*} 1$")
        .matcher(text).find(), text);
    // the lane loaded and warmed int8 MiniLM once before listening: one load time, one cold start
    assertEquals(1.0, sum(text, "laneway_model_load_duration_seconds_count",
        "lane=\"hk-cpu\"", "model=\"all-minilm-l6-v2\"", "variant=\"int8\""), text);
    assertTrue(sum(text, "laneway_model_load_duration_seconds_sum", "lane=\"hk-cpu\"") > 0, text);
    assertEquals(1.0, sum(text, "laneway_cold_starts_total", "lane=\"hk-cpu\"", "variant=\"int8\""), text);
    // failed batches, per lane (the executor records these three series since the restructure; the names stay)
    assertTrue(Pattern.compile("(?m)^laneway_device_errors_total\\{.*lane=\"hk-cpu\".*region=\"hk\".*} 0(\\.0)?$")
        .matcher(text).find(), text);
    // a CPU device that asks for the CPU provider is no stand-in
    assertEquals(0.0, sum(text, "laneway_device_stand_in", "device=\"cpu0\""), text);
    assertTrue(text.contains("laneway_device_stand_in{"), text);
    assertTrue(sum(text, "jvm_memory_used_bytes", "jvm_memory_type=\"heap\"") > 0, text);
  }

  @Test
  void metricsListener_answersOnlyGetMetrics() {
    assertEquals(404, g.send(HttpRequest.newBuilder(g.metricsUri("/v2/health/live")).GET().build()).statusCode());
    assertEquals(405, g.send(HttpRequest.newBuilder(g.metricsUri("/metrics"))
        .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode());
  }

  @Test
  void counters_moveAsRequestsFlow() {
    double before = sum(metrics(), "laneway_inference_count_total", "lane=\"hk-cpu\"");
    double batchesBefore = sum(metrics(), "laneway_execution_count_total", "lane=\"hk-cpu\"");
    assertEquals(200, g.post(INFER, OipRestTest.infer("one", "two", "three"), Map.of()).statusCode());
    String after = metrics();
    assertEquals(before + 3, sum(after, "laneway_inference_count_total", "lane=\"hk-cpu\""), after);
    assertTrue(sum(after, "laneway_execution_count_total", "lane=\"hk-cpu\"") >= batchesBefore + 1, after);
  }

  /** The model label of a failure comes from the request: an unknown name is recorded as {@code unknown}. */
  @Test
  void anUnknownModelName_addsNoLabelValue() {
    assertEquals(404, g.post("/v2/models/made-up-model-123/infer", OipRestTest.infer("x"), Map.of()).statusCode());
    g.gateway.metrics().failed("rest", "made-up-model-456", "not_found", 1.0);
    g.gateway.metrics().failed("rest", "all-minilm-l6-v2", "bad_request", 1.0);
    String text = metrics();
    assertFalse(text.contains("made-up-model"), text);
    assertTrue(sum(text, "laneway_requests_total", "model=\"unknown\"", "outcome=\"not_found\"") >= 1, text);
    assertTrue(sum(text, "laneway_requests_total", "model=\"all-minilm-l6-v2\"", "outcome=\"bad_request\"") >= 1, text);
  }

  /**
   * {@code promtool check metrics} (Debian's {@code prometheus} package; {@code .ci/run} installs it): clean, with no
   * exceptions (every duration is in seconds).
   */
  @Test
  void metrics_passPromtool() throws Exception {
    String promtool = onPath("promtool");
    assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus; .ci/run does): check skipped");
    g.post(INFER, OipRestTest.infer("warm the histograms"), Map.of());
    String text = metrics();
    Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertNotEquals(1, p.exitValue(), "promtool could not parse /metrics: " + out);
    List<String> problems = out.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(List.of(), problems, "promtool lint problems");
    assertEquals(0, p.exitValue(), "exit " + p.exitValue() + ": " + out);
    assertTrue(text.contains("laneway_request_duration_seconds_bucket{"), "durations in seconds");
    assertFalse(text.contains("milliseconds"), "no duration in milliseconds");
  }

  private static String metrics() {
    HttpResponse<String> r = g.send(HttpRequest.newBuilder(g.metricsUri("/metrics")).GET().build());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  /** The sum of every sample of {@code metric} whose labels contain each fragment (e.g. {@code lane="hk-cpu"}). */
  static double sum(String text, String metric, String... labelFragments) {
    return Samples.sum(text, metric, labelFragments);
  }

  static String onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, command);
      if (f.canExecute()) return f.getPath();
    }
    return null;
  }
}
