/**
 * OpenTelemetry SDK wiring (the only module that touches the SDK): the tracer and meter providers, sampler, propagators
 * and exporters ({@link dev.laneway.observability.Telemetry}, configured by SDK autoconfigure and the gateway's
 * {@code --otel-*} flags), the Prometheus text for {@code /metrics}, bounded label values
 * ({@link dev.laneway.observability.Labels}), and the one-line log format that carries the trace id.
 *
 * <p>Other modules use {@code opentelemetry-api} only, on the {@code OpenTelemetry} instance handed to them: the
 * gateway creates the {@code Telemetry} first thing in {@code Gateway.start} (before lanes start) and passes
 * {@code telemetry.openTelemetry()} down. Nothing is registered as {@code GlobalOpenTelemetry}: tests run several
 * gateways in one JVM, each with its own exporters.
 *
 * <pre>{@code
 * Telemetry telemetry = Telemetry.start("laneway-gateway", Map.of("otel.traces.exporter", "zipkin"));
 * Tracer tracer = telemetry.openTelemetry().getTracer("dev.laneway.executor");
 * Meter meter = telemetry.openTelemetry().getMeter("dev.laneway.executor");
 * Labels models = Labels.of(List.of("all-minilm-l6-v2"));
 * meter.counterBuilder("laneway.requests").build().add(1, Attributes.of(MODEL, models.bound(requested)));
 * String text = telemetry.prometheusText();
 * }</pre>
 */
package dev.laneway.observability;
