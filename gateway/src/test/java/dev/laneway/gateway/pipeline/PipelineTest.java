package dev.laneway.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.gateway.cache.EmbeddingCache;
import dev.laneway.gateway.telemetry.GatewayMetrics;
import dev.laneway.gateway.telemetry.TenantMetrics;
import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.lanes.Lane;
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
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pipeline on real lanes (the routing test topology, real ONNX Runtime) with an in-memory SDK: a request is routed
 * exactly once, on the snapshot its call captured, whatever reloads happen meanwhile; the trace and metric contract (a
 * {@code route} span and one {@code lane.attempt} span per candidate tried, children of the call's context; the
 * fallback, degraded, refusal and breaker-state instruments); authentication at the call stage.
 */
class PipelineTest {
  static Lanes lanes;
  static Topology topology;
  static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  static final InMemoryMetricReader METRICS = InMemoryMetricReader.create();
  static OpenTelemetrySdk otel;
  static Dispatcher dispatcher;
  static Routes routes;
  static Pipeline pipeline;
  static RoutingPolicy policy;

  @BeforeAll
  static void start() throws Exception {
    topology = TopologyLoader.load(Path.of(PipelineTest.class.getResource("/routing-topology.yaml").toURI()));
    policy = PolicyLoader.load(Path.of(PipelineTest.class.getResource("/routing-policy.yaml").toURI()), topology);
    lanes = Lanes.start(topology);
    otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(METRICS).build())
        .build();
    RoutingMetrics metrics = new RoutingMetrics(otel.getMeter("dev.laneway.routing"), lanes, () -> 1);
    dispatcher = new Dispatcher(lanes, otel, metrics);
    routes = new Routes(Router.create(topology, policy));
    Calls calls = new Calls(routes, new ClientRegion(topology), Duration.ofSeconds(30),
        lanes.all().stream().map(Lane::id).collect(Collectors.toSet()));
    TenantMetrics tenantMetrics = new TenantMetrics(otel.getMeter("dev.laneway.gateway"));
    TenantStage tenants = new TenantStage((model, texts) -> -1, (t, m, n) -> CompletableFuture.completedFuture(
        new TenantStage.Outcome(null, null, 0, List.of(), Map.of(), Map.of(), () -> { })), tenantMetrics);
    pipeline = new Pipeline(calls, tenants, dispatcher, EmbeddingCache.create(0, Duration.ZERO,
        com.github.benmanes.caffeine.cache.Ticker.systemTicker(), Runnable::run, k -> { }),
        new GatewayMetrics(otel.getMeter("dev.laneway.gateway"), lanes), tenantMetrics, lanes, otel.getTracer("test"),
        dev.laneway.gateway.slo.SloGuard.create(dev.laneway.gateway.slo.SloLoader.embeddedDefault().withoutShedding(),
            otel.getMeter("dev.laneway.gateway"), System::nanoTime));
  }

  @AfterAll
  static void stop() {
    if (lanes != null) lanes.close();
    if (otel != null) otel.close();
  }

  static DoorRequest request(String text, Map<String, String> headers, Context context) {
    return new DoorRequest("test", "t", "all-minilm-l6-v2", "int8", List.of(text),
        Map.of("latency_class", "interactive"), headers, "127.0.0.1", 0, context);
  }

  static InferenceCall call(Map<String, String> headers, Context context) {
    return pipeline.call(request("hello", headers, context));
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
      InferenceCall call = call(Map.of(), Context.root().with(parent));
      Dispatched a = dispatcher.dispatch(call, dispatcher.route(call)).join();
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
  void unknownApiKey_isRefusedWhenTheCallIsMade_andCounted() {
    RoutingException.Unauthorized e = assertThrows(RoutingException.Unauthorized.class,
        () -> call(Map.of("x-api-key", "nope"), Context.root()));
    assertTrue(e.getMessage().contains("x-api-key"), e.getMessage());
    assertTrue(sum(METRICS.collectAllMetrics(), "laneway.refusals", "reason", "unauthorized") >= 1);
    InferenceCall known = call(Map.of("x-api-key", "roamer-key"), Context.root());
    assertEquals("roamer", known.tenant().id(), "the tenant is resolved at the call stage, not fixed");
  }

  @Test
  void aRequestIsRoutedOnce_onTheSnapshotItsCallCaptured_evenWithAReloadBeforeItsDispatch() {
    Span parent = otel.getTracer("test").spanBuilder("request").startSpan();
    InferenceCall call = call(Map.of(), Context.root().with(parent)); // decoded on the policy serving now
    Router before = routes.current();
    // a reload lands between the request's decode and its dispatch: one rule, another name, general lanes only
    routes.swap(Router.create(topology, PolicyLoader.parse(
        "rules: [{name: after-reload, lanes: [{class: general, region: any}]}]", "reloaded")));
    try {
      Answer a = pipeline.infer(call).join();
      assertEquals("interactive-int8-npu", a.parameters().rule(), "routed on the snapshot the call captured");
      parent.end();
      String traceId = parent.getSpanContext().getTraceId();
      long routed = SPANS.getFinishedSpanItems().stream()
          .filter(s -> s.getTraceId().equals(traceId) && s.getName().equals("route")).count();
      assertEquals(1, routed, "routed exactly once");
      // a call made after the reload takes the new snapshot
      assertEquals("after-reload", pipeline.infer(call(Map.of(), Context.root())).join().parameters().rule());
    } finally {
      routes.swap(before);
    }
  }
}
