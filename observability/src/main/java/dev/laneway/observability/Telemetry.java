package dev.laneway.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process's OpenTelemetry, configured the standard way (SDK autoconfigure: {@code OTEL_TRACES_EXPORTER},
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_TRACES_SAMPLER}, … as environment variables or system properties,
 * overridden by Laneway's {@code --otel-*} flags), with Laneway's defaults: W3C trace context, a parent-based
 * always-on sampler, no span exporter unless one is configured (spans still exist, so trace ids reach logs and
 * responses), and metrics read by the SDK's Prometheus reader for the {@code /metrics} endpoint.
 *
 * <p>Durations are in seconds, the base unit of both OpenTelemetry's semantic conventions and Prometheus (unit
 * {@code s}, exported as {@code _seconds}). Duration histograms (unit {@code s}, a name ending in {@code duration})
 * get {@link #LATENCY_BUCKETS_SECONDS}: fine enough for p50/p95/p99 and for SLO thresholds from 0.25 ms to 30 s.
 */
public final class Telemetry implements AutoCloseable {
  /**
   * Buckets in seconds for every duration histogram: sub-millisecond (a cache hit, the door's own cost) to tens of
   * seconds (a model load, a batch on a slow stand-in). Every SLO latency threshold should be one of these bounds, so
   * a recording rule reads it exactly ({@code le="0.05"}).
   */
  public static final List<Double> LATENCY_BUCKETS_SECONDS =
      List.of(0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15,
          0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0);
  /** Buckets for batch sizes. */
  public static final List<Double> BATCH_BUCKETS = List.of(1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0);

  private final OpenTelemetrySdk sdk;
  private final PrometheusMetricReader prometheus;
  private final String tracesExporter;
  private final List<InfoSnapshot> infos = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private Telemetry(OpenTelemetrySdk sdk, PrometheusMetricReader prometheus, String tracesExporter) {
    this.sdk = sdk;
    this.prometheus = prometheus;
    this.tracesExporter = tracesExporter;
  }

  /** For tests and embedding: defaults only, plus the given span processors (e.g. an in-memory exporter). */
  public static Telemetry create(String serviceName, SpanProcessor... processors) {
    return start(serviceName, Map.of(), processors);
  }

  /**
   * @param overrides OpenTelemetry properties ({@code otel.traces.exporter=zipkin}, …) that win over the
   *     environment; Laneway's {@code --otel-*} flags arrive here
   * @param processors extra span processors, after the configured exporter's
   */
  public static Telemetry start(String serviceName, Map<String, String> overrides, SpanProcessor... processors) {
    PrometheusMetricReader prometheus = new PrometheusMetricReader(false, attribute -> false);
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", serviceName);
    defaults.put("otel.traces.exporter", "none");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    defaults.put("otel.traces.sampler", "parentbased_always_on");
    defaults.put("otel.propagators", "tracecontext,baggage");
    String[] exporter = {"none"};
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> defaults)
            .addPropertiesCustomizer((ConfigProperties config) -> {
              Map<String, String> o = new LinkedHashMap<>(overrides);
              exporter[0] = o.getOrDefault("otel.traces.exporter", config.getString("otel.traces.exporter", "none"));
              return o;
            })
            .addTracerProviderCustomizer((builder, config) -> {
              for (SpanProcessor p : processors) builder.addSpanProcessor(p);
              return builder;
            })
            .addMeterProviderCustomizer((builder, config) -> builder
                .registerMetricReader(prometheus)
                .registerView(
                    InstrumentSelector.builder().setType(InstrumentType.HISTOGRAM).setUnit("s").setName("*duration")
                        .build(),
                    View.builder().setAggregation(Aggregation.explicitBucketHistogram(LATENCY_BUCKETS_SECONDS))
                        .build())
                .registerView(
                    InstrumentSelector.builder().setType(InstrumentType.HISTOGRAM).setUnit("{item}").build(),
                    View.builder().setAggregation(Aggregation.explicitBucketHistogram(BATCH_BUCKETS)).build()))
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    JvmMetrics.register(sdk.getMeter("dev.laneway.observability"));
    return new Telemetry(sdk, prometheus, exporter[0]);
  }

  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  /** The span exporter in use ({@code none}, {@code otlp}, {@code zipkin}, …). */
  public String tracesExporter() {
    return tracesExporter;
  }

  /** One line for start-up: where traces go, or how to send them somewhere. */
  public String startupHint() {
    if (tracesExporter.equals("none")) {
      return "tracing on (parent-based sampler), no exporter: set OTEL_TRACES_EXPORTER=otlp|zipkin"
          + " (and OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_ZIPKIN_ENDPOINT) or --otel-traces-exporter to send"
          + " traces somewhere";
    }
    return "tracing on, exporting spans with " + tracesExporter;
  }

  /**
   * Adds a Prometheus info metric, {@code <name>_info{labels} 1} (e.g. {@code laneway_build_info}). The Prometheus
   * client reserves the {@code _info} suffix and strips it from gauges, so info metrics are registered here rather
   * than as OpenTelemetry gauges. Call at start-up; any thread.
   *
   * @param name without the {@code _info} suffix
   */
  public void info(String name, String help, Map<String, String> labels) {
    io.prometheus.metrics.model.snapshots.Labels.Builder l = io.prometheus.metrics.model.snapshots.Labels.builder();
    labels.forEach(l::label);
    infos.add(new InfoSnapshot(new MetricMetadata(name, help), List.of(new InfoSnapshot.InfoDataPointSnapshot(l.build()))));
  }

  /** Writes every metric in the Prometheus text format (version 0.0.4). */
  public void writePrometheus(OutputStream out) throws IOException {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    for (MetricSnapshot m : prometheus.collect()) {
      // the SDK's target_info (the resource's attributes) comes without a HELP line, which promtool reports
      if (m instanceof InfoSnapshot i && i.getMetadata().getHelp() == null) {
        m = new InfoSnapshot(new MetricMetadata(i.getMetadata().getName(), "Target metadata: the resource's attributes"),
            i.getDataPoints());
      }
      all.metricSnapshot(m);
    }
    infos.forEach(all::metricSnapshot);
    PrometheusTextFormatWriter.create().write(out, all.build());
  }

  public String prometheusText() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writePrometheus(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  public static String prometheusContentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** Flushes and shuts down the exporters; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) sdk.close();
  }
}
