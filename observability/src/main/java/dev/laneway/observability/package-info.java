/**
 * OpenTelemetry SDK wiring (the only module that touches the SDK): the tracer provider, sampler and propagators, and
 * the one-line log format that carries the trace id. Other modules use {@code opentelemetry-api} only.
 *
 * <pre>{@code
 * Telemetry telemetry = Telemetry.create("laneway-gateway");
 * Tracer tracer = telemetry.openTelemetry().getTracer("laneway");
 * OneLineLogFormat.install();
 * }</pre>
 */
package dev.laneway.observability;
