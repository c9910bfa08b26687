package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code --otel-*} flags become OpenTelemetry autoconfigure properties; flags not given leave the environment be. */
class OtelOptionsTest {
  @Test
  void noFlags_noOverrides() {
    GatewayOptions o = GatewayOptions.defaults();
    assertEquals(Map.of(), o.otelOverrides());
    assertNull(o.otelServiceName());
  }

  @Test
  void givenFlags_becomeOtelProperties() {
    GatewayOptions o = GatewayOptions.parse("--otel-traces-exporter", "zipkin",
        "--otel-exporter-zipkin-endpoint", "http://127.0.0.1:9411/api/v2/spans",
        "--otel-exporter-otlp-endpoint=http://collector:4318", "--otel-traces-sampler", "parentbased_traceidratio",
        "--otel-traces-sampler-arg", "0.25", "--otel-service-name", "laneway-hk");
    assertEquals(Map.of(
        "otel.traces.exporter", "zipkin",
        "otel.exporter.zipkin.endpoint", "http://127.0.0.1:9411/api/v2/spans",
        "otel.exporter.otlp.endpoint", "http://collector:4318",
        "otel.traces.sampler", "parentbased_traceidratio",
        "otel.traces.sampler.arg", "0.25",
        "otel.service.name", "laneway-hk"), o.otelOverrides());
    assertEquals("laneway-hk", o.otelServiceName());
  }

  @Test
  void console_isTheSdksLoggingExporter() {
    assertEquals("logging", GatewayOptions.parse("--otel-traces-exporter", "console").otelOverrides()
        .get("otel.traces.exporter"));
  }

  @Test
  void badValues_nameTheFlag() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GatewayOptions.parse("--otel-traces-exporter", "jaeger"));
    assertTrue(e.getMessage().startsWith("--otel-traces-exporter: 'jaeger' (expected: none, otlp, zipkin"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--otel-traces-sampler-arg", "2"));
    assertEquals("--otel-traces-sampler-arg: '2' (expected: a ratio 0..1)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--otel-exporter-otlp-endpoint", "collector:4318"));
    assertEquals("--otel-exporter-otlp-endpoint: 'collector:4318' (expected: an http(s) URL)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--otel-traces-sampler", "sometimes"));
    assertTrue(e.getMessage().startsWith("--otel-traces-sampler: 'sometimes' (expected: always_on"), e.getMessage());
  }
}
