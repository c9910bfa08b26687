package dev.laneway.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryTest {
  @Test
  void metrics_appearInPrometheusTextWithSecondBuckets() {
    try (Telemetry t = Telemetry.create("test")) {
      LongCounter c = t.openTelemetry().getMeter("t").counterBuilder("laneway.requests").build();
      DoubleHistogram h = t.openTelemetry().getMeter("t").histogramBuilder("laneway.request.duration").setUnit("s").build();
      Attributes a = Attributes.of(AttributeKey.stringKey("lane"), "hk-general");
      c.add(3, a);
      h.record(0.0042, a);
      String text = t.prometheusText();
      assertTrue(text.matches("(?s).*laneway_requests_total\\{lane=\"hk-general\"[^}]*} 3(\\.0)?\n.*"), text);
      assertTrue(text.matches("(?s).*laneway_request_duration_seconds_bucket\\{lane=\"hk-general\"[^}]*le=\"0.003\"} 0\n.*"), text);
      assertTrue(text.matches("(?s).*laneway_request_duration_seconds_bucket\\{lane=\"hk-general\"[^}]*le=\"0.005\"} 1\n.*"), text);
      assertTrue(text.contains("le=\"2.5E-4\"") || text.contains("le=\"0.00025\""), text);
      assertTrue(text.contains("le=\"30.0\""), text);
    }
  }

  @Test
  void spans_reachAnExtraProcessor_andTheHintSaysNoExporter() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (Telemetry t = Telemetry.create("test", SimpleSpanProcessor.create(exporter))) {
      Span s = t.openTelemetry().getTracer("t").spanBuilder("work").startSpan();
      s.end();
      assertEquals(1, exporter.getFinishedSpanItems().size());
      assertEquals("none", t.tracesExporter());
      assertTrue(t.startupHint().contains("OTEL_TRACES_EXPORTER"));
    }
  }

  @Test
  void flags_overrideTheExporter() {
    try (Telemetry t = Telemetry.start("test", Map.of("otel.traces.exporter", "zipkin",
        "otel.exporter.zipkin.endpoint", "http://127.0.0.1:9/api/v2/spans"))) {
      assertEquals("zipkin", t.tracesExporter());
      assertTrue(t.startupHint().contains("zipkin"));
    }
  }

  /** The environment (here a system property, as OTEL_TRACES_SAMPLER would be) applies; a flag wins over it. */
  @Test
  void environmentApplies_andFlagsWinOverIt() {
    String key = "otel.traces.sampler";
    String before = System.getProperty(key);
    System.setProperty(key, "always_off");
    try {
      try (Telemetry t = Telemetry.create("test")) {
        Span s = t.openTelemetry().getTracer("t").spanBuilder("work").startSpan();
        assertTrue(!s.getSpanContext().isSampled(), "always_off from the environment");
        s.end();
      }
      try (Telemetry t = Telemetry.start("test", Map.of(key, "always_on"))) {
        Span s = t.openTelemetry().getTracer("t").spanBuilder("work").startSpan();
        assertTrue(s.getSpanContext().isSampled(), "the flag's always_on wins");
        s.end();
      }
    } finally {
      if (before == null) System.clearProperty(key); else System.setProperty(key, before);
    }
  }
}
