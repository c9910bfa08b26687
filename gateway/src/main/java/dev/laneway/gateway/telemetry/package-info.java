/**
 * The gateway's metrics ({@link dev.laneway.gateway.telemetry.GatewayMetrics}, {@link
 * dev.laneway.gateway.telemetry.RoutingMetrics}), server spans ({@link dev.laneway.gateway.telemetry.Tracing}) and the
 * Prometheus listener ({@link dev.laneway.gateway.telemetry.MetricsServer}); attribute names are {@code
 * dev.laneway.base.AttributeNames}.
 *
 * <pre>{@code
 * Span span = tracing.serverSpan(request, "POST /v2/models/{model}/infer");
 * }</pre>
 */
package dev.laneway.gateway.telemetry;
