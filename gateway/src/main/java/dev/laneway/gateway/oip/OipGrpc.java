package dev.laneway.gateway.oip;

import dev.laneway.base.AttributeNames;
import dev.laneway.gateway.pipeline.Answer;
import dev.laneway.gateway.pipeline.DoorReplies;
import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.gateway.pipeline.TenantAdmission;
import dev.laneway.gateway.pipeline.DoorRequest;
import dev.laneway.gateway.pipeline.Intake;
import dev.laneway.gateway.pipeline.Pipeline;
import java.util.function.Consumer;
import dev.laneway.gateway.Gateway;
import dev.laneway.gateway.GatewayOptions;
import dev.laneway.gateway.pipeline.ErrorMapping;
import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.gateway.security.ClientCerts;
import dev.laneway.gateway.telemetry.Tracing;
import com.google.protobuf.MessageLite;
import com.google.protobuf.MessageOrBuilder;
import dev.laneway.oip.GrpcService;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.oip.ModelMetadataRequest;
import dev.laneway.oip.ModelMetadataResponse;
import dev.laneway.oip.ModelReadyRequest;
import dev.laneway.oip.ModelReadyResponse;
import dev.laneway.oip.ModelStreamInferResponse;
import dev.laneway.oip.ServerLiveRequest;
import dev.laneway.oip.ServerLiveResponse;
import dev.laneway.oip.ServerMetadataRequest;
import dev.laneway.oip.ServerMetadataResponse;
import dev.laneway.oip.ServerReadyRequest;
import dev.laneway.oip.ServerReadyResponse;
import dev.laneway.protocol.Oip;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The Open Inference Protocol over gRPC ({@code inference.GRPCInferenceService}, Triton's published service): health,
 * metadata, {@code ModelInfer} and the bidirectional {@code ModelStreamInfer}. Requests go through the same
 * {@link Pipeline} as every other door. The messages are generated from {@code grpc_service.proto}; the
 * methods are bound here by name, so no generated service code is needed.
 *
 * <p>Threads: handlers run on the event loop of the call's connection and never block; answers come back to that
 * event loop through {@link Future#fromCompletionStage}. A call's {@code grpc-timeout} becomes the request's deadline
 * (the earliest of it and the {@code timeout} parameter); a call cancelled by the client cancels its dispatch, which
 * frees its queued work. On a stream, every message is its own request: answers are written as they complete, each
 * carrying its request's {@code id}; an error is that message's {@code error_message} and the stream lives on.
 */
public final class OipGrpc {
  /** The OIP service as Vert.x binds it (the names are {@code dev.laneway.protocol.Oip}'s). */
  public static final ServiceName SERVICE = ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME);

  private final Pipeline pipeline;
  private final Intake intake;
  private final Tracing tracing;
  private final ModelCatalog catalog;
  private final int maxTexts;

  public OipGrpc(Pipeline pipeline, Intake intake, Tracing tracing, ModelCatalog catalog, int maxTexts) {
    this.pipeline = pipeline;
    this.intake = intake;
    this.tracing = tracing;
    this.catalog = catalog;
    this.maxTexts = maxTexts;
  }

  /**
   * The gRPC server of the gateway's gRPC port: this OIP service, grpc.health.v1 (the OIP service and "" follow
   * {@code ready}) and server reflection.
   */
  public io.vertx.grpc.server.GrpcServer server(Vertx vertx, long maxMessageBytes, java.util.function.BooleanSupplier ready) {
    io.vertx.grpc.server.GrpcServer server = io.vertx.grpc.server.GrpcServer.server(vertx,
        new io.vertx.grpc.server.GrpcServerOptions().setMaxMessageSize(maxMessageBytes));
    server.addService(service());
    io.vertx.grpc.health.HealthService health = io.vertx.grpc.health.HealthService.create(vertx);
    health.register(SERVICE, () -> io.vertx.core.Future.succeededFuture(ready.getAsBoolean()));
    health.register("", () -> io.vertx.core.Future.succeededFuture(ready.getAsBoolean()));
    server.addService(health);
    server.addService(io.vertx.grpc.reflection.ReflectionService.v1());
    return server;
  }

  public Service service() {
    return Service.service(SERVICE, GrpcService.getDescriptor().findServiceByName(Oip.SERVICE_NAME))
        .bind(method(Oip.SERVER_LIVE, ServerLiveRequest.getDefaultInstance()),
            (GrpcServerRequest<ServerLiveRequest, ServerLiveResponse> r) ->
                unary(r, m -> ServerLiveResponse.newBuilder().setLive(true).build()))
        .bind(method(Oip.SERVER_READY, ServerReadyRequest.getDefaultInstance()),
            (GrpcServerRequest<ServerReadyRequest, ServerReadyResponse> r) ->
                unary(r, m -> ServerReadyResponse.newBuilder().setReady(catalog.serverReady()).build()))
        .bind(method(Oip.MODEL_READY, ModelReadyRequest.getDefaultInstance()),
            (GrpcServerRequest<ModelReadyRequest, ModelReadyResponse> r) -> unary(r, this::modelReady))
        .bind(method(Oip.SERVER_METADATA, ServerMetadataRequest.getDefaultInstance()),
            (GrpcServerRequest<ServerMetadataRequest, ServerMetadataResponse> r) ->
                unary(r, m -> ServerMetadataResponse.newBuilder().setName("laneway").setVersion(Gateway.VERSION)
                    .addExtensions("parameters").addExtensions("binary_tensor_data").addExtensions("schedule_policy")
                    .build()))
        .bind(method(Oip.MODEL_METADATA, ModelMetadataRequest.getDefaultInstance()),
            (GrpcServerRequest<ModelMetadataRequest, ModelMetadataResponse> r) -> unary(r, this::modelMetadata))
        .bind(method(Oip.MODEL_INFER, ModelInferRequest.getDefaultInstance()), this::modelInfer)
        .bind(method(Oip.MODEL_STREAM_INFER, ModelInferRequest.getDefaultInstance()), this::modelStreamInfer)
        .build();
  }

  private static <Req, Resp extends MessageLite> ServiceMethod<Req, Resp> method(String name, Req prototype) {
    return ServiceMethod.server(SERVICE, name, GrpcMessageEncoder.encoder(),
        GrpcMessageDecoder.decoder((MessageOrBuilder) prototype));
  }

  private static <Req, Resp> void unary(GrpcServerRequest<Req, Resp> request, Function<Req, Resp> handler) {
    request.handler(m -> {
      try {
        request.response().end(handler.apply(m));
      } catch (RuntimeException e) {
        fail(request.response(), e);
      }
    });
  }

  private static void fail(GrpcServerResponse<?, ?> response, Throwable e) {
    ErrorMapping.GrpcError g = ErrorMapping.toGrpc(e);
    if (g.status() == io.vertx.grpc.common.GrpcStatus.RESOURCE_EXHAUSTED && g.retryAfterSeconds() > 0) {
      // gRPC's retry pushback: how long a client should wait before trying again (the REST doors' Retry-After);
      // and the same delay as google.rpc.RetryInfo in the rich status, which gRPC clients' status helpers read
      response.trailers().set("grpc-retry-pushback-ms", Long.toString(g.retryAfterSeconds() * 1000L));
      response.trailers().set("grpc-status-details-bin",
          RichStatus.retryInfo(g.status().code, g.message(), g.retryAfterSeconds()));
    }
    response.status(g.status()).statusMessage(g.message()).end();
  }

  private ModelReadyResponse modelReady(ModelReadyRequest m) {
    VariantSpec v = catalog.resolve(m.getName(), emptyToNull(m.getVersion()));
    boolean ready = catalog.ready(m.getName(), v.name());
    return ModelReadyResponse.newBuilder().setReady(ready).build();
  }

  private ModelMetadataResponse modelMetadata(ModelMetadataRequest m) {
    VariantSpec v = catalog.resolve(m.getName(), emptyToNull(m.getVersion()));
    ModelSpec spec = catalog.model(m.getName());
    ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(spec.name())
        .setPlatform("onnxruntime_onnx")
        .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(Oip.INPUT).setDatatype(Oip.BYTES)
            .addShape(-1))
        .addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(Oip.OUTPUT).setDatatype(Oip.FP32)
            .addShape(-1).addShape(spec.dimension()));
    if (m.getVersion().isEmpty()) {
      spec.variants().forEach(x -> b.addVersions(x.name()));
    } else {
      b.addVersions(v.name());
    }
    return b.build();
  }

  private void modelInfer(GrpcServerRequest<ModelInferRequest, ModelInferResponse> request) {
    Span span = tracing.grpcServerSpan(request.headers(), request.fullMethodName());
    request.response().headers().set(Tracing.TRACE_ID_HEADER, span.getSpanContext().getTraceId());
    List<CompletableFuture<?>> inFlight = new ArrayList<>(1);
    boolean[] cancelled = {false};
    request.errorHandler(error -> {
      cancelled[0] = true;
      inFlight.forEach(f -> f.cancel(false));
    });
    request.exceptionHandler(error -> {
      cancelled[0] = true;
      inFlight.forEach(f -> f.cancel(false));
    });
    boolean[] received = {false};
    request.endHandler(v -> {
      if (!received[0]) {
        span.setStatus(StatusCode.ERROR, "no request message");
        span.end();
        fail(request.response(), new GatewayException.BadRequest("ModelInfer: no request message"));
      }
    });
    request.handler(message -> {
      received[0] = true;
      Started started = infer("grpc", request, message, span);
      inFlight.add(started.answer());
      DoorReplies.complete(started.answer(), Vertx.currentContext(), span, started.intake(), a -> {
        if (!cancelled[0]) {
          DoorReplies.tenantHeaders(started.admission(), false,
              (k, v) -> request.response().headers().set(k.toLowerCase(java.util.Locale.ROOT), v));
          request.response().end(OipProto.encode(message.getModelName(), message.getId(), a,
              message.getRawInputContentsCount() > 0));
        }
      }, e -> {
        if (!cancelled[0]) {
          DoorReplies.tenantHeaders(started.admission(), false,
              (k, v) -> request.response().headers().set(k.toLowerCase(java.util.Locale.ROOT), v));
          fail(request.response(), e);
        }
      });
    });
  }

  private void modelStreamInfer(GrpcServerRequest<ModelInferRequest, ModelStreamInferResponse> request) {
    Span stream = tracing.grpcServerSpan(request.headers(), request.fullMethodName());
    GrpcServerResponse<ModelInferRequest, ModelStreamInferResponse> response = request.response();
    response.headers().set(Tracing.TRACE_ID_HEADER, stream.getSpanContext().getTraceId());
    // all state below is touched only on the call's event loop
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    int[] pending = {0};
    boolean[] ended = {false};
    boolean[] cancelled = {false};
    Runnable maybeEnd = () -> {
      if (ended[0] && pending[0] == 0 && !cancelled[0]) {
        stream.end();
        response.end();
      }
    };
    request.errorHandler(error -> {
      cancelled[0] = true;
      new ArrayList<>(inFlight).forEach(f -> f.cancel(false));
      stream.end();
    });
    request.exceptionHandler(error -> {
      cancelled[0] = true;
      new ArrayList<>(inFlight).forEach(f -> f.cancel(false));
    });
    request.handler(message -> {
      pending[0]++;
      Span span = tracing.grpcMessageSpan(stream, request.fullMethodName());
      Started started = infer("grpc_stream", request, message, span);
      inFlight.add(started.answer());
      Consumer<ModelStreamInferResponse> write = m -> {
        inFlight.remove(started.answer());
        if (!cancelled[0]) {
          response.write(m);
          if (response.writeQueueFull()) {
            // a client that does not read its answers stops being read from
            request.pause();
            response.drainHandler(d -> request.resume());
          }
        }
        pending[0]--;
        maybeEnd.run();
      };
      DoorReplies.complete(started.answer(), Vertx.currentContext(), span, started.intake(),
          a -> write.accept(ModelStreamInferResponse.newBuilder().setInferResponse(OipProto.encode(
              message.getModelName(), message.getId(), a, message.getRawInputContentsCount() > 0)).build()),
          e -> {
            ErrorMapping.GrpcError g = ErrorMapping.toGrpc(e);
            write.accept(ModelStreamInferResponse.newBuilder().setErrorMessage(g.status().name() + ": " + g.message())
                .setInferResponse(ModelInferResponse.newBuilder().setModelName(message.getModelName())
                    .setId(message.getId())).build());
          });
    });
    request.endHandler(v -> {
      ended[0] = true;
      maybeEnd.run();
    });
  }

  /** A request's answer on its way, and the intake to release when it is answered (null: it was never let in). */
  private record Started(CompletableFuture<Answer> answer, Intake intake, TenantAdmission admission) {}

  /** Decodes one request message and starts it through the pipeline; never throws (errors complete the future). */
  private Started infer(String door, GrpcServerRequest<?, ?> request, ModelInferRequest message, Span span) {
    long t0 = System.nanoTime();
    if (!intake.accept()) {
      pipeline.decodeFailed(door, message.getModelName(), new GatewayException.Draining(), t0);
      return new Started(CompletableFuture.failedFuture(new GatewayException.Draining()), null, null);
    }
    CompletableFuture<Answer> answer;
    TenantAdmission admission = null;
    try {
      OipProto.Decoded d = OipProto.decode(message, maxTexts);
      span.setAttribute(AttributeNames.LANEWAY_MODEL, message.getModelName());
      span.setAttribute(AttributeNames.LANEWAY_TEXTS, (long) d.texts().size());
      String remote = request.connection().remoteAddress() == null ? null
          : request.connection().remoteAddress().hostAddress();
      DoorRequest r = new DoorRequest(door, emptyToNull(message.getId()), message.getModelName(),
          emptyToNull(message.getModelVersion()), d.texts(), d.parameters(), headers(request.headers()), remote,
          TimeUnit.MILLISECONDS.toNanos(request.timeout()), Context.current().with(span),
          ClientCerts.identity(request.connection()));
      // the server span is current while dispatch starts: lanes read it (batch links, a remote lane's traceparent)
      try (io.opentelemetry.context.Scope ignored = r.context().makeCurrent()) {
        InferenceCall call = pipeline.call(r);
        admission = call.admission();
        answer = pipeline.infer(call);
      }
    } catch (RuntimeException e) {
      pipeline.decodeFailed(door, message.getModelName(), e, t0);
      answer = CompletableFuture.failedFuture(e);
    }
    return new Started(answer, intake, admission);
  }

  /** gRPC metadata as the call's headers, names lower-case (binary {@code -bin} entries left out). */
  static Map<String, String> headers(MultiMap metadata) {
    Map<String, String> h = new HashMap<>();
    metadata.forEach(e -> {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (!k.startsWith(":") && !k.endsWith("-bin")) h.put(k, e.getValue());
    });
    return h;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
