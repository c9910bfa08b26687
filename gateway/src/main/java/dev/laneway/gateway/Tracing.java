package dev.laneway.gateway;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.http.HttpServerRequest;

/** Server spans for the listeners: joins the caller's W3C {@code traceparent}, or starts a trace. */
final class Tracing {
  static final String TRACE_ID_HEADER = "x-trace-id";

  private static final TextMapGetter<HttpServerRequest> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServerRequest carrier) {
          return carrier.headers().names();
        }

        @Override
        public String get(HttpServerRequest carrier, String key) {
          return carrier == null ? null : carrier.getHeader(key);
        }
      };

  private final OpenTelemetry otel;
  private final Tracer tracer;

  Tracing(OpenTelemetry otel) {
    this.otel = otel;
    this.tracer = otel.getTracer("dev.laneway.gateway");
  }

  Span serverSpan(HttpServerRequest request, String name) {
    Context parent = otel.getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
    return tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", request.method().name())
        .setAttribute("url.path", request.path())
        .startSpan();
  }
}
