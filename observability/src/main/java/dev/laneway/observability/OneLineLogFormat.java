package dev.laneway.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event: {@code 2026-11-22T07:40:01.123Z INFO gateway: message trace_id=…}. A stack trace, when there
 * is one, is folded onto the same line ({@code \n} written as {@code  | }) so that one event stays one line.
 */
public final class OneLineLogFormat extends Formatter {
  @Override
  public String format(LogRecord r) {
    StringBuilder sb = new StringBuilder(160);
    sb.append(Instant.ofEpochMilli(r.getMillis())).append(' ').append(r.getLevel().getName()).append(' ');
    String logger = r.getLoggerName() == null ? "" : r.getLoggerName();
    sb.append(logger.substring(logger.lastIndexOf('.') + 1)).append(": ");
    sb.append(oneLine(formatMessage(r)));
    SpanContext ctx = Span.current().getSpanContext();
    if (ctx.isValid()) {
      sb.append(" trace_id=").append(ctx.getTraceId());
    }
    if (r.getThrown() != null) {
      StringWriter w = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(w));
      sb.append(" error=").append(oneLine(w.toString().strip()));
    }
    return sb.append(System.lineSeparator()).toString();
  }

  private static String oneLine(String s) {
    return s.replace("\r", "").replace("\n", " | ").replace("\t", " ");
  }

  /** Replaces the root logger's handlers with one console handler in this format. */
  public static void install(Level level) {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler h = new ConsoleHandler();
    h.setFormatter(new OneLineLogFormat());
    h.setLevel(level);
    root.addHandler(h);
    root.setLevel(level);
    if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
      m.keepHandlers();
    }
  }

  /** Selects {@link ShutdownLogManager}; call first thing in {@code main}, before any logger exists. */
  public static void keepLogsThroughShutdown() {
    System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
  }
}
