package dev.laneway.gateway.pipeline;

import dev.laneway.gateway.telemetry.RoutingMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.lanes.Lanes;
import dev.laneway.routing.PolicyLoader;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingException;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's trace and metric contract, on real lanes (the routing test topology) with an in-memory SDK: a
 * {@code route} span and one {@code lane.attempt} span per candidate tried, children of the call's context, and the
 * fallback, degraded, refusal and breaker-state instruments.
 */
class DispatcherTelemetryTest {
  static Lanes lanes;
  static Topology topology;
  static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  static final InMemoryMetricReader METRICS = InMemoryMetricReader.create();
  static OpenTelemetrySdk otel;
  static Dispatcher dispatcher;

  @BeforeAll
  static void start() throws Exception {
    topology = TopologyLoader.load(Path.of(DispatcherTelemetryTest.class.getResource("/routing-topology.yaml").toURI()));
    RoutingPolicy policy = PolicyLoader.load(
        Path.of(DispatcherTelemetryTest.class.getResource("/routing-policy.yaml").toURI()), topology);
    lanes = Lanes.start(topology);
    otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(METRICS).build())
        .build();
    RoutingMetrics metrics = new RoutingMetrics(otel.getMeter("dev.laneway.routing"), lanes, () -> 1);
    dispatcher = new Dispatcher(Router.create(topology, policy), lanes, otel, metrics);
  }

  @AfterAll
  static void stop() {
    if (lanes != null) lanes.close();
    if (otel != null) otel.close();
  }

  static InferenceCall call(Map<String, String> headers, Context context) {
    return new InferenceCall("t", "all-minilm-l6-v2", "int8", List.of("hello"), "interactive", "hk", "anonymous",
        System.nanoTime() + 30_000_000_000L, 0, headers, false, context);
  }

  static long sum(Collection<MetricData> data, String name, String key, String value) {
    return data.stream().filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getLongSumData().getPoints().stream())
        .filter(p -> value == null || value.equals(p.getAttributes().get(AttributeKey.stringKey(key))))
        .mapToLong(p -> p.getValue()).sum();
  }

  @Test
  void fallback_isTracedAndCounted() {
    Span parent = otel.getTracer("test").spanBuilder("request").startSpan();
    lanes.faults().setOffline("hk-npu0", true);
    try {
      Answer a = dispatcher.dispatch(call(Map.of(), Context.root().with(parent))).join();
      assertEquals("hk-general", a.result().lane());
      assertTrue(a.degraded());
      assertEquals(2, a.attempts());
    } finally {
      lanes.faults().setOffline("hk-npu0", false);
      parent.end();
    }
    String traceId = parent.getSpanContext().getTraceId();
    List<SpanData> spans = SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    SpanData route = spans.stream().filter(s -> s.getName().equals("route")).findFirst().orElseThrow();
    assertEquals(parent.getSpanContext().getSpanId(), route.getParentSpanId());
    assertEquals("interactive-int8-npu", route.getAttributes().get(AttributeKey.stringKey("routing.rule")));
    assertEquals(List.of("hk-npu", "hk-general", "intl-general"),
        route.getAttributes().get(AttributeKey.stringArrayKey("routing.candidates")));
    assertEquals("anonymous", route.getAttributes().get(AttributeKey.stringKey("routing.tenant")));
    List<SpanData> attempts = spans.stream().filter(s -> s.getName().equals("lane.attempt")).toList();
    assertEquals(2, attempts.size(), spans.toString());
    SpanData failed = attempts.stream().filter(s -> "hk-npu".equals(s.getAttributes().get(AttributeKey.stringKey("lane"))))
        .findFirst().orElseThrow();
    assertEquals("device_failed", failed.getAttributes().get(AttributeKey.stringKey("outcome")));
    assertEquals("exception", failed.getEvents().get(0).getName());
    assertEquals(parent.getSpanContext().getSpanId(), failed.getParentSpanId());
    SpanData ok = attempts.stream().filter(s -> "hk-general".equals(s.getAttributes().get(AttributeKey.stringKey("lane"))))
        .findFirst().orElseThrow();
    assertEquals("ok", ok.getAttributes().get(AttributeKey.stringKey("outcome")));
    assertEquals("hk-gpu0", ok.getAttributes().get(AttributeKey.stringKey("device")));

    Collection<MetricData> m = METRICS.collectAllMetrics();
    assertEquals(1, sum(m, "laneway.fallbacks", "to_lane", "hk-general"));
    assertEquals(1, sum(m, "laneway.degraded", "lane", "hk-general"));
    assertEquals(3, m.stream().filter(d -> d.getName().equals("laneway.breaker.state"))
        .mapToLong(d -> d.getLongGaugeData().getPoints().size()).sum(), "one breaker gauge point per lane");
  }

  @Test
  void unknownApiKey_isRefusedAndCounted() {
    CompletionException e = assertThrows(CompletionException.class,
        () -> dispatcher.dispatch(call(Map.of("x-api-key", "nope"), Context.root())).join());
    assertTrue(e.getCause() instanceof RoutingException.Unauthorized, e.toString());
    assertTrue(sum(METRICS.collectAllMetrics(), "laneway.refusals", "reason", "unauthorized") >= 1);
  }
}
