package dev.laneway.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Logs carry the trace id of the span current on the logging thread, and each event stays one line. */
class OneLineLogFormatTest {
  @Test
  void aLineLoggedInsideASpan_carriesItsTraceId() {
    try (Telemetry t = Telemetry.create("test")) {
      Span span = t.openTelemetry().getTracer("t").spanBuilder("request").startSpan();
      String line;
      try (Scope ignored = span.makeCurrent()) {
        line = new OneLineLogFormat().format(new LogRecord(Level.INFO, "answered"));
      } finally {
        span.end();
      }
      assertTrue(line.contains("answered trace_id=" + span.getSpanContext().getTraceId()), line);
    }
  }

  @Test
  void outsideASpan_noTraceId_andAStackTraceStaysOnOneLine() {
    LogRecord r = new LogRecord(Level.SEVERE, "failed\nbadly");
    r.setLoggerName("dev.laneway.gateway.Gateway");
    r.setThrown(new IllegalStateException("boom"));
    String line = new OneLineLogFormat().format(r);
    assertFalse(line.contains("trace_id="), line);
    assertEquals(1, line.lines().count(), line);
    assertTrue(line.contains(" SEVERE Gateway: failed | badly error=java.lang.IllegalStateException: boom | "), line);
  }
}
