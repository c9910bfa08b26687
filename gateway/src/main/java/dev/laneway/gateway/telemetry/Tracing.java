package dev.laneway.gateway.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.http.HttpServerRequest;

/** Server spans for the listeners: joins the caller's W3C {@code traceparent}, or starts a trace. */
public final class Tracing {
  public static final String TRACE_ID_HEADER = "x-trace-id";

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

  private static final TextMapGetter<io.vertx.core.MultiMap> METADATA =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(io.vertx.core.MultiMap carrier) {
          return carrier.names();
        }

        @Override
        public String get(io.vertx.core.MultiMap carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private final OpenTelemetry otel;
  private final Tracer tracer;

  public Tracing(OpenTelemetry otel) {
    this.otel = otel;
    this.tracer = otel.getTracer("dev.laneway.gateway");
  }

  public Span serverSpan(HttpServerRequest request, String name) {
    Context parent = otel.getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
    return tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", request.method().name())
        .setAttribute("url.path", request.path())
        .startSpan();
  }

  /**
   * A server span for a gRPC call (or one message of a stream), joining {@code traceparent} / {@code tracestate}
   * from the call's metadata; {@code method} is the full method name, e.g. {@code inference.GRPCInferenceService/ModelInfer}.
   */
  public Span grpcServerSpan(io.vertx.core.MultiMap metadata, String method) {
    Context parent = otel.getPropagators().getTextMapPropagator().extract(Context.root(), metadata, METADATA);
    int slash = method.lastIndexOf('/');
    return tracer.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute("rpc.system", "grpc")
        .setAttribute("rpc.service", slash < 0 ? method : method.substring(0, slash))
        .setAttribute("rpc.method", slash < 0 ? method : method.substring(slash + 1))
        .startSpan();
  }

  /** A span for one message of a gRPC stream, child of the stream's server span. */
  public Span grpcMessageSpan(Span stream, String method) {
    return tracer.spanBuilder(method + " message").setParent(Context.root().with(stream))
        .setSpanKind(SpanKind.SERVER).setAttribute("rpc.system", "grpc").startSpan();
  }
}
