package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.laneway.oip.GRPCInferenceServiceGrpc;
import dev.laneway.oip.InferParameter;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.oip.ModelMetadataRequest;
import dev.laneway.oip.ModelMetadataResponse;
import dev.laneway.oip.ModelReadyRequest;
import dev.laneway.oip.ModelStreamInferResponse;
import dev.laneway.oip.ServerLiveRequest;
import dev.laneway.oip.ServerMetadataRequest;
import dev.laneway.oip.ServerReadyRequest;
import dev.laneway.protocol.Tensors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** OIP gRPC against a real gateway, through an independent client: grpc-java stubs generated from the same proto. */
class OipGrpcTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();
  static final String MINILM = "all-minilm-l6-v2";
  static final String BGE = "bge-small-zh-v1.5";

  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  static final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", gw.gateway().grpcPort()).usePlaintext()
        .intercept(new HeaderCapture()).build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static ModelInferRequest typed(String model, String id, String... texts) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (String t : texts) c.addBytesContents(ByteString.copyFromUtf8(t));
    return ModelInferRequest.newBuilder().setModelName(model).setId(id)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text").setDatatype("BYTES")
            .addShape(texts.length).setContents(c))
        .build();
  }

  static ModelInferRequest raw(String model, String id, String... texts) {
    return ModelInferRequest.newBuilder().setModelName(model).setId(id)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text").setDatatype("BYTES")
            .addShape(texts.length))
        .addRawInputContents(ByteString.copyFrom(Tensors.encodeBytes(List.of(texts))))
        .build();
  }

  static float[] rawRow(ModelInferResponse r, int row, int dim) {
    ByteBuffer b = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) v[i] = b.getFloat((row * dim + i) * 4);
    return v;
  }

  @Test
  void healthAndMetadataRpcs() {
    assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName(MINILM).build()).getReady());
    assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName(MINILM).setVersion("int8").build()).getReady());
    var sm = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertEquals("laneway", sm.getName());
    assertTrue(sm.getExtensionsList().contains("binary_tensor_data"));
    ModelMetadataResponse md = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(BGE).build());
    assertEquals(List.of("fp32", "int8"), md.getVersionsList());
    assertEquals(List.of(-1L, 512L), md.getOutputs(0).getShapeList());
    assertEquals("BYTES", md.getInputs(0).getDatatype());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("no-such-model").build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void callsLeftOutOfTheProtoAnswerUnimplemented() {
    MethodDescriptor<ServerLiveRequest, ServerLiveRequest> config = MethodDescriptor
        .<ServerLiveRequest, ServerLiveRequest>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("inference.GRPCInferenceService/ModelConfig")
        .setRequestMarshaller(ProtoUtils.marshaller(ServerLiveRequest.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(ServerLiveRequest.getDefaultInstance())).build();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
        channel, config, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), ServerLiveRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }

  @Test
  void grpcHealthV1_servesTheOipService() {
    MethodDescriptor<HealthCheckRequest, HealthCheckResponse> check = MethodDescriptor
        .<HealthCheckRequest, HealthCheckResponse>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("grpc.health.v1.Health/Check")
        .setRequestMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(HealthCheckResponse.getDefaultInstance())).build();
    HealthCheckResponse r = ClientCalls.blockingUnaryCall(channel, check, CallOptions.DEFAULT,
        HealthCheckRequest.newBuilder().setService("inference.GRPCInferenceService").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
  }

  @Test
  void serverReflection_listsTheOipService() throws Exception {
    MethodDescriptor<io.vertx.grpc.reflection.v1.ServerReflectionRequest,
        io.vertx.grpc.reflection.v1.ServerReflectionResponse> info = MethodDescriptor
        .<io.vertx.grpc.reflection.v1.ServerReflectionRequest, io.vertx.grpc.reflection.v1.ServerReflectionResponse>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName("grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
        .setRequestMarshaller(ProtoUtils.marshaller(io.vertx.grpc.reflection.v1.ServerReflectionRequest.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(io.vertx.grpc.reflection.v1.ServerReflectionResponse.getDefaultInstance()))
        .build();
    java.util.concurrent.CompletableFuture<io.vertx.grpc.reflection.v1.ServerReflectionResponse> answer =
        new java.util.concurrent.CompletableFuture<>();
    StreamObserver<io.vertx.grpc.reflection.v1.ServerReflectionRequest> out = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(info, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), new StreamObserver<>() {
          @Override
          public void onNext(io.vertx.grpc.reflection.v1.ServerReflectionResponse r) {
            answer.complete(r);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() { }
        });
    out.onNext(io.vertx.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
    List<String> services = answer.get(30, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
        .map(io.vertx.grpc.reflection.v1.ServiceResponse::getName).toList();
    out.onCompleted();
    assertTrue(services.contains("inference.GRPCInferenceService"), services.toString());
  }

  @Test
  void modelInfer_typedAndRawAgree_andCarryRoutingParametersAndTraceId() {
    ModelInferResponse t = stub.modelInfer(typed(MINILM, "t-1", "grpc typed and raw", "second text"));
    assertEquals("t-1", t.getId());
    assertEquals("fp32", t.getModelVersion());
    assertEquals(List.of(2L, 384L), t.getOutputs(0).getShapeList());
    assertEquals(2 * 384, t.getOutputs(0).getContents().getFp32ContentsCount());
    assertEquals("hk-general", t.getParametersMap().get("lane").getStringParam());
    assertTrue(t.getParametersMap().get("stand_in").getBoolParam());
    assertTrue(t.getParametersMap().containsKey("cache"));
    assertTrue(lastHeaders.get().get(Metadata.Key.of("x-trace-id", Metadata.ASCII_STRING_MARSHALLER))
        .matches("[0-9a-f]{32}"));
    ModelInferResponse r = stub.modelInfer(raw(MINILM, "r-1", "grpc typed and raw", "second text"));
    assertEquals(0, r.getOutputs(0).getContents().getFp32ContentsCount());
    float[] row1 = rawRow(r, 1, 384);
    for (int i = 0; i < 384; i++) {
      assertEquals(t.getOutputs(0).getContents().getFp32Contents(384 + i), row1[i], 1e-5);
    }
  }

  @Test
  void modelInfer_routingParametersFromRequestAndMetadata() {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("x-laneway-latency-class", Metadata.ASCII_STRING_MARSHALLER), "interactive");
    var withMd = stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
    ModelInferResponse r = withMd.modelInfer(typed(MINILM, "p-1", "latency from metadata").toBuilder()
        .putParameters("region", InferParameter.newBuilder().setStringParam("intl").build()).build());
    assertEquals("interactive", r.getParametersMap().get("latency_class").getStringParam());
    assertEquals("intl", r.getParametersMap().get("client_region").getStringParam());
  }

  @Test
  void modelInfer_badInputGetsInvalidArgument_andTheServerKeepsServing() {
    byte[] truncated = Tensors.encodeBytes(List.of("abc", "defg"));
    byte[] badUtf8 = {2, 0, 0, 0, (byte) 0xC3, (byte) 0x28};
    Map<String, ModelInferRequest> bad = Map.of(
        "unknown tensor name", typed(MINILM, "b", "x").toBuilder()
            .setInputs(0, typed(MINILM, "b", "x").getInputs(0).toBuilder().setName("input_ids")).build(),
        "wrong datatype", typed(MINILM, "b", "x").toBuilder()
            .setInputs(0, typed(MINILM, "b", "x").getInputs(0).toBuilder().setDatatype("FP32")).build(),
        "huge shape", typed(MINILM, "b", "x").toBuilder()
            .setInputs(0, typed(MINILM, "b", "x").getInputs(0).toBuilder().setShape(0, 1L << 40)).build(),
        "count differs from shape", typed(MINILM, "b", "x", "y").toBuilder()
            .setInputs(0, typed(MINILM, "b", "x", "y").getInputs(0).toBuilder().setShape(0, 3)).build(),
        "truncated raw", raw(MINILM, "b", "abc", "defg").toBuilder()
            .setRawInputContents(0, ByteString.copyFrom(truncated, 0, truncated.length - 2)).build(),
        "invalid UTF-8", raw(MINILM, "b", "x").toBuilder().setRawInputContents(0, ByteString.copyFrom(badUtf8)).build(),
        "unknown output", typed(MINILM, "b", "x").toBuilder()
            .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits")).build());
    bad.forEach((what, req) -> {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(req), what);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), what + ": " + e.getStatus());
      assertFalse(e.getStatus().getDescription().isEmpty(), what);
    });
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.modelInfer(typed("no-such-model", "b", "x")));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals(1, stub.modelInfer(typed(MINILM, "ok", "still serving")).getOutputs(0).getShape(0));
  }

  @Test
  void modelInfer_withoutAMessageIsRefusedNotLeftOpen() throws Exception {
    ClientCall<ModelInferRequest, ModelInferResponse> call = channel.newCall(
        GRPCInferenceServiceGrpc.getModelInferMethod(), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    java.util.concurrent.CompletableFuture<Status> closed = new java.util.concurrent.CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    call.halfClose();
    Status status = closed.get(30, TimeUnit.SECONDS);
    assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
  }

  @Test
  void modelInfer_timeoutParameterBecomesTheDeadline() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.modelInfer(typed(MINILM, "d", "a deadline of one microsecond " + System.nanoTime()).toBuilder()
            .putParameters("timeout", InferParameter.newBuilder().setInt64Param(1).build()).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void modelStreamInfer_100InterleavedRequestsAndOneMalformed_allCorrelatedById() throws InterruptedException {
    Map<String, ModelStreamInferResponse> answers = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
        .withDeadlineAfter(120, TimeUnit.SECONDS).modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            answers.put(r.getInferResponse().getId(), r);
          }

          @Override
          public void onError(Throwable t) {
            failure.set(t);
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    for (int i = 0; i < 101; i++) {
      String id = "s-" + i;
      if (i == 50) {
        requests.onNext(typed(MINILM, id, "x").toBuilder()
            .setInputs(0, typed(MINILM, id, "x").getInputs(0).toBuilder().setDatatype("INT64")).build());
      } else {
        String model = i % 2 == 0 ? MINILM : BGE;
        requests.onNext(i % 3 == 0 ? raw(model, id, "stream text " + i) : typed(model, id, "stream text " + i));
      }
    }
    requests.onCompleted();
    assertTrue(done.await(120, TimeUnit.SECONDS), "stream did not complete");
    assertEquals(null, failure.get());
    assertEquals(101, answers.size());
    for (int i = 0; i < 101; i++) {
      ModelStreamInferResponse r = answers.get("s-" + i);
      if (i == 50) {
        assertTrue(r.getErrorMessage().contains("datatype"), r.getErrorMessage());
        continue;
      }
      assertEquals("", r.getErrorMessage(), "s-" + i);
      int dim = i % 2 == 0 ? 384 : 512;
      assertEquals(List.of(1L, (long) dim), r.getInferResponse().getOutputs(0).getShapeList(), "s-" + i);
    }
  }

  /**
   * A gRPC call of 1024 long texts is cancelled by its client while its texts wait in the lane's queue; a REST request
   * for one of those texts has joined its computation (single flight). The cancel frees the queued texts at the
   * executor (counted as {@code laneway_drops{reason="cancelled"}}, never computed), the lanes and queues are empty
   * again, and the joined request is answered anyway, computing its text for itself.
   */
  @Test
  void aCancelledCallFreesItsQueuedWork() throws Exception {
    // enough work (1024 texts near the 256-token limit) that even a fast machine is still busy when the cancel lands
    String words = "Laneway routes each request to a lane and batches it with others on one device; ".repeat(14);
    String[] texts = new String[1024];
    for (int i = 0; i < texts.length; i++) texts[i] = i + " " + System.nanoTime() + " " + words;
    String before = gw.gateway().telemetry().prometheusText();
    long computedBefore = Doors.inferences(gw.gateway());
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    CountDownLatch closed = new CountDownLatch(1);
    AtomicReference<Status> status = new AtomicReference<>();
    ctx.run(() -> GRPCInferenceServiceGrpc.newStub(channel).modelInfer(typed(MINILM, "c", texts).toBuilder()
        .putParameters("latency_class", InferParameter.newBuilder().setStringParam("batch").build())
        .putParameters("timeout", InferParameter.newBuilder().setInt64Param(TimeUnit.SECONDS.toMicros(300)).build())
        .build(),
        new StreamObserver<>() {
          @Override
          public void onNext(ModelInferResponse r) { }

          @Override
          public void onError(Throwable t) {
            status.set(Status.fromThrowable(t));
            closed.countDown();
          }

          @Override
          public void onCompleted() {
            closed.countDown();
          }
        }));
    // the call's texts are claimed in the cache, then reach a lane
    Await.until(() -> lanesInFlight() > 0, Duration.ofSeconds(30), "the gRPC call's texts reach a lane");
    // a REST request for one of the same texts joins the call's computation: its look-up is a cache hit on the
    // call's in-flight future
    java.util.concurrent.CompletableFuture<Doors.Result> waiter = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> Doors.rest(gw, MINILM, List.of(texts[texts.length - 1]), Map.of()));
    Await.until(() -> Samples.delta(before, gw.gateway().telemetry().prometheusText(), "laneway_cache_hits_total") >= 1,
        Duration.ofSeconds(30), "the REST request joined the gRPC call's computation");
    ctx.cancel(null);
    assertTrue(closed.await(10, TimeUnit.SECONDS), "the cancelled call closed");
    assertEquals(Status.Code.CANCELLED, status.get().getCode());
    // the joined request is answered anyway: the owner's computation was cancelled, so it computed its text itself
    Doors.Result joined = waiter.get(120, TimeUnit.SECONDS);
    assertEquals(1, joined.vectors().length);
    assertEquals("bypass", joined.parameters().get("cache"), "computed for itself after the owner's cancel: "
        + joined.parameters());
    Await.until(() -> lanesInFlight() == 0
        && Samples.sum(gw.gateway().telemetry().prometheusText(), "laneway_queue_depth") == 0,
        Duration.ofSeconds(120), "lanes and queues empty again");
    String after = gw.gateway().telemetry().prometheusText();
    long computed = Doors.inferences(gw.gateway()) - computedBefore - 1; // less the joined request's own text
    double freed = Samples.delta(before, after, "laneway_drops_total", "reason=\"cancelled\"");
    System.out.println("cancelled call: " + computed + " of " + texts.length + " texts computed, " + freed + " freed");
    assertTrue(freed > 0, "the cancel freed queued texts at the executor: " + freed);
    assertTrue(computed < texts.length, "cancelled work was still computed: " + computed + " of " + texts.length);
    // each text was computed, freed from the queue, or dropped from a batch an instance had taken: never two of these
    assertTrue(computed + freed <= texts.length, computed + " computed + " + freed + " freed");
  }

  static int lanesInFlight() {
    return gw.gateway().lanes().all().stream().mapToInt(l -> l.inFlight()).sum();
  }

  /** Keeps the last call's response headers, to check x-trace-id. */
  static final class HeaderCapture implements ClientInterceptor {
    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onHeaders(Metadata h) {
              lastHeaders.set(h);
              super.onHeaders(h);
            }
          }, headers);
        }
      };
    }
  }
}
