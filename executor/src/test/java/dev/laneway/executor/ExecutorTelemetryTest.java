package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.base.AttributeNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The batch span links to every request it served and each request span links back; the tokenize span is a child of
 * the request; the executor's metrics are recorded. With an in-memory SDK (test scope only).
 */
class ExecutorTelemetryTest {
  @Test
  void batchSpan_linksToEveryRequest_andEachRequestLinksBack() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    InMemoryMetricReader metrics = InMemoryMetricReader.create();
    try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
        .build()) {
      BatchPolicy policy = new BatchPolicy(16, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ofMillis(300),
          Duration.ofMillis(300)), 8, List.of(), List.of(), 0);
      try (LaneExecutor ex = LaneExecutor.start(new ExecutorConfig("hk-general", "hk", policy, 64, 1, 1),
          LaneExecutorTest.CPU, List.of(LaneExecutorTest.spec("int8")), otel)) {
        Tracer tracer = otel.getTracer("test");
        Span a = tracer.spanBuilder("request-a").startSpan();
        Span b = tracer.spanBuilder("request-b").startSpan();
        CompletableFuture<EmbedResult> fa = ex.submit(new EmbedRequest(LaneExecutorTest.INT8, List.of("first", "second"),
            Long.MAX_VALUE, Priority.STANDARD, Context.root().with(a)));
        CompletableFuture<EmbedResult> fb = ex.submit(new EmbedRequest(LaneExecutorTest.INT8, List.of("third"),
            Long.MAX_VALUE, Priority.STANDARD, Context.root().with(b)));
        fa.get(10, TimeUnit.SECONDS);
        fb.get(10, TimeUnit.SECONDS);
        a.end();
        b.end();
      }
      List<SpanData> done = spans.getFinishedSpanItems();
      List<SpanData> batches = done.stream().filter(s -> s.getName().equals("batch")).toList();
      assertTrue(!batches.isEmpty(), "a batch span: " + done);
      SpanData req = done.stream().filter(s -> s.getName().equals("request-a")).findFirst().orElseThrow();
      SpanData reqB = done.stream().filter(s -> s.getName().equals("request-b")).findFirst().orElseThrow();
      Set<SpanContext> linked = batches.stream().flatMap(s -> s.getLinks().stream()).map(LinkData::getSpanContext)
          .collect(Collectors.toSet());
      assertTrue(linked.contains(req.getSpanContext()) && linked.contains(reqB.getSpanContext()), "links " + linked);
      Set<SpanContext> batchIds = batches.stream().map(SpanData::getSpanContext).collect(Collectors.toSet());
      assertTrue(req.getLinks().stream().anyMatch(l -> batchIds.contains(l.getSpanContext())), "request links back");
      SpanData first = batches.get(0);
      if (batches.size() == 1) { // the 300 ms window normally puts all three texts in one batch
        assertEquals(3L, first.getAttributes().get(AttributeKey.longKey("batch.size")));
        assertEquals(2, first.getLinks().size(), "one link per distinct request");
        assertEquals(3, first.getAttributes().get(AttributeKey.longArrayKey("batch.queue_ms")).size());
      }
      assertEquals("hk-general", first.getAttributes().get(AttributeKey.stringKey("lane")));
      assertEquals("int8", first.getAttributes().get(AttributeKey.stringKey("variant")));
      assertEquals(Boolean.FALSE, first.getAttributes().get(AttributeKey.booleanKey("stand_in")));
      assertTrue(first.getAttributes().get(AttributeKey.stringKey("batch.padded_shape")).matches("\\d+x\\d+"));
      double eff = first.getAttributes().get(AttributeKey.doubleKey("batch.padding_efficiency"));
      assertTrue(eff > 0 && eff <= 1, "efficiency " + eff);
      SpanData tokenize = done.stream().filter(s -> s.getName().equals("tokenize")
          && s.getParentSpanId().equals(req.getSpanId())).findFirst().orElseThrow();
      assertEquals(req.getTraceId(), tokenize.getTraceId());

      Set<String> names = metrics.collectAllMetrics().stream().map(MetricData::getName).collect(Collectors.toSet());
      for (String n : List.of("laneway.queue.duration", "laneway.compute.duration", "laneway.batch.size",
          "laneway.padding.efficiency", "laneway.inference.count", "laneway.execution.count")) {
        assertTrue(names.contains(n), n + " in " + names);
      }
    }
  }

  /**
   * What the gateway used to compute from executor types is the executor's to record, under the same names, units and
   * labels: each model's load time (once per variant), its cold starts (one per instance) and the failed batches.
   */
  @Test
  void startAndDeviceErrors_areRecordedPerLaneAndModel() {
    InMemoryMetricReader metrics = InMemoryMetricReader.create();
    try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build()).build()) {
      BatchPolicy policy = BatchPolicy.dynamic(8, Duration.ofMillis(2));
      try (LaneExecutor ex = LaneExecutor.start(new ExecutorConfig("hk-npu", "hk", policy, 64, 2, 1),
          LaneExecutorTest.CPU, List.of(LaneExecutorTest.spec("int8")), otel)) {
        Map<String, MetricData> byName = metrics.collectAllMetrics().stream()
            .collect(Collectors.toMap(MetricData::getName, m -> m));
        Attributes model = Attributes.of(AttributeNames.MODEL, "all-minilm-l6-v2", AttributeNames.VARIANT, "int8",
            AttributeNames.LANE, "hk-npu", AttributeNames.REGION, "hk");
        HistogramPointData load = byName.get("laneway.model.load.duration").getHistogramData().getPoints()
            .iterator().next();
        assertEquals("s", byName.get("laneway.model.load.duration").getUnit());
        assertEquals(model, load.getAttributes());
        assertEquals(1, load.getCount(), "one figure per variant: the slowest instance");
        assertEquals(ex.loadNanos().get(LaneExecutorTest.INT8) / 1e9, load.getSum(), 1e-9);
        LongPointData cold = byName.get("laneway.cold_starts").getLongSumData().getPoints().iterator().next();
        assertEquals(model, cold.getAttributes());
        assertEquals(1, cold.getValue(), "one session opened cold per device: its two instances share it");
        LongPointData errors = byName.get("laneway.device.errors").getLongSumData().getPoints().iterator().next();
        assertEquals(Attributes.of(AttributeNames.LANE, "hk-npu", AttributeNames.REGION, "hk"), errors.getAttributes());
        assertEquals(0, errors.getValue());
      }
      assertTrue(metrics.collectAllMetrics().stream().noneMatch(m -> m.getName().equals("laneway.device.errors")),
          "a closed lane reports no failed batches");
    }
  }
}
