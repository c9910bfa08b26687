package dev.laneway.lanes.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.laneway.lanes.DeviceFaults;
import dev.laneway.lanes.GuardedLane;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.lanes.LaneResult;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.protocol.Embeddings;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.Parameters;
import dev.laneway.protocol.Tensors;
import dev.laneway.protocol.TokenCounts;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A remote lane against a real Vert.x gRPC server on 127.0.0.1 that stands in for a node and answers as each test
 * scripts it: a well-formed answer becomes the lane's result; a malformed one (wrong shape, another dimension than
 * the model's, another datatype, wrong byte count, no output, no message at all) fails the call as
 * {@link LaneException.DeviceFailed}, which the lane's breaker counts (two of them open it), and never leaves a call,
 * or drain, waiting. Each test builds its own guarded lane, so no
 * test sees another's breaker.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemoteLaneAnswersTest {
  static final int DIM = 3;
  static Vertx vertx;
  static HttpServer server;
  /** How the stand-in node answers the next request: (request, response); set by each test. */
  static final AtomicReference<BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest, ModelInferResponse>>>
      ANSWER = new AtomicReference<>();

  RemoteNodes nodes;
  Topology topology;

  @BeforeAll
  static void startNode() {
    vertx = Vertx.vertx();
    GrpcServer grpc = GrpcServer.server(vertx);
    ServiceMethod<ModelInferRequest, ModelInferResponse> infer = ServiceMethod.server(
        ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME), Oip.MODEL_INFER, GrpcMessageEncoder.encoder(),
        GrpcMessageDecoder.decoder(ModelInferRequest.newBuilder()));
    grpc.callHandler(infer, (GrpcServerRequest<ModelInferRequest, ModelInferResponse> request) ->
        request.handler(m -> ANSWER.get().accept(m, request.response())));
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(grpc)
        .listen().await();
  }

  @AfterAll
  static void stopNode() {
    vertx.close().await();
  }

  @BeforeEach
  void client() {
    topology = TopologyLoader.parse(new ByteArrayInputStream(("""
        regions: [{id: hk}, {id: intl}]
        lanes:
          - id: r
            region: intl
            class: general
            remote: {address: "127.0.0.1:%d"}
            breaker: {window: 4, minimum_calls: 2, wait_in_open: 60s, half_open_calls: 1}
        models:
          - {name: m, space: m, dimension: %d, variants: [{name: fp32, onnx: classpath:m.onnx, tokenizer: classpath:t.json}]}
        """.formatted(server.actualPort(), DIM)).getBytes(StandardCharsets.UTF_8)), "t.yaml");
    nodes = RemoteNodes.create(vertx, topology, OpenTelemetry.noop(), Duration.ZERO);
  }

  @AfterEach
  void closeClient() {
    nodes.close();
  }

  GuardedLane lane() {
    return GuardedLane.create(nodes.lane(topology.lane("r")), new DeviceFaults(), Map.of());
  }

  LaneCall call(String... texts) {
    var m = topology.model("m").orElseThrow();
    return new LaneCall(m, m.variant("fp32").orElseThrow(), List.of(texts),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(10), "standard");
  }

  /** The answer a Laneway node gives: one vector per text, raw as asked, and its parameters. */
  static ModelInferResponse.Builder wellFormed(ModelInferRequest req) {
    int n = (int) req.getInputs(0).getShape(0);
    float[][] v = new float[n][DIM];
    for (int i = 0; i < n; i++) v[i][i % DIM] = 1;
    int[] tokens = new int[n];
    java.util.Arrays.fill(tokens, 4);
    return Embeddings.response(req.getModelName(), req.getModelVersion(), req.getId(), v, Embeddings.raw(req))
        .putParameters(Oip.DEVICE, Parameters.of("intl-cpu0"))
        .putParameters(Oip.TOKEN_COUNTS, Parameters.of(TokenCounts.encode(tokens)))
        .putParameters(Oip.QUEUE_MS, Parameters.of(1.5)).putParameters(Oip.COMPUTE_MS, Parameters.of(2.0));
  }

  static Throwable failure(CompletableFuture<LaneResult> f) {
    return assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS)).getCause();
  }

  @Test
  void wellFormedAnswer_isTheResult_andCarriesTheNodesParameters() throws Exception {
    ANSWER.set((req, resp) -> {
      assertEquals(List.of("a", "bé"), Tensors.decodeBytes(req.getRawInputContents(0).asReadOnlyByteBuffer(), 2, "t"));
      assertEquals("r", req.getParametersOrThrow(Oip.LANE).getStringParam());
      assertEquals("standard", req.getParametersOrThrow(Oip.LATENCY_CLASS).getStringParam());
      resp.end(wellFormed(req).build());
    });
    GuardedLane lane = lane();
    LaneResult r = lane.infer(call("a", "bé")).get(20, TimeUnit.SECONDS);
    assertArrayEquals(new float[] {1, 0, 0}, r.vectors()[0]);
    assertArrayEquals(new float[] {0, 1, 0}, r.vectors()[1]);
    assertArrayEquals(new int[] {4, 4}, r.tokenCounts());
    assertEquals("intl-cpu0", r.device());
    assertEquals("fp32", r.variant());
    assertEquals(3_500_000L, lane.expectedCompletionNanos("standard", 1), "the node's queue + compute time");
    assertEquals("closed", lane.health().breakerState());
    assertEquals(0, lane.inFlight());
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("a wrong shape", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          b.setOutputs(0, b.getOutputs(0).toBuilder().setShape(0, req.getInputs(0).getShape(0) + 1));
          resp.end(b.build());
        }, "outputs[0].shape"),
        Arguments.of("a one-dimensional shape", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          b.setOutputs(0, b.getOutputs(0).toBuilder().clearShape().addShape(req.getInputs(0).getShape(0) * DIM));
          resp.end(b.build());
        }, "outputs[0].shape"),
        Arguments.of("another dimension than the model's", (BiConsumer<ModelInferRequest, GrpcServerResponse<
            ModelInferRequest, ModelInferResponse>>) (req, resp) -> {
          int n = (int) req.getInputs(0).getShape(0);
          resp.end(Embeddings.response(req.getModelName(), req.getModelVersion(), req.getId(), new float[n][DIM + 1],
              Embeddings.raw(req)).build());
        }, "outputs[0].shape"),
        Arguments.of("another datatype", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          resp.end(b.setOutputs(0, b.getOutputs(0).toBuilder().setDatatype("INT64")).build());
        }, "outputs[0].datatype"),
        Arguments.of("a wrong byte count", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          ByteString raw = b.getRawOutputContents(0);
          resp.end(b.setRawOutputContents(0, raw.substring(0, raw.size() - 2)).build());
        }, "raw_output_contents[0]"),
        Arguments.of("too few typed values", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req).clearRawOutputContents();
          b.setOutputs(0, b.getOutputs(0).toBuilder().setContents(InferTensorContents.newBuilder().addFp32Contents(1)));
          resp.end(b.build());
        }, "outputs[0].contents.fp32_contents"),
        Arguments.of("no output", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> resp.end(wellFormed(req).clearOutputs().clearRawOutputContents()
            .build()), "outputs: none"),
        Arguments.of("no message at all", (BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest,
            ModelInferResponse>>) (req, resp) -> resp.end(), ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedAnswer_failsAsTheDevice_andTheBreakerCountsIt(String what,
      BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest, ModelInferResponse>> answer,
      String names) {
    ANSWER.set(answer);
    GuardedLane lane = lane();
    for (int i = 0; i < 2; i++) {
      Throwable e = failure(lane.infer(call("a", "b")));
      LaneException.DeviceFailed f = assertInstanceOf(LaneException.DeviceFailed.class, e, what + ": " + e);
      assertTrue(f.getMessage().contains("127.0.0.1:" + server.actualPort()) && f.getMessage().contains(names),
          "names the node and the field: " + f.getMessage());
      assertTrue(f.retryElsewhere());
    }
    assertEquals(2, lane.breaker().getMetrics().getNumberOfFailedCalls(), "each counted by the breaker");
    assertEquals("open", lane.health().breakerState(), "two device failures open it (minimum_calls: 2)");
    assertEquals("breaker open", lane.health().unavailableReason());
    assertInstanceOf(LaneException.Unavailable.class, failure(lane.infer(call("a"))), "refused while open");
    assertEquals(0, lane.inFlight(), "nothing left in flight");
  }

  @Test
  void drain_waitsForTheCallInFlight_thenRefusesNewOnes() throws Exception {
    CompletableFuture<Runnable> held = new CompletableFuture<>();
    ANSWER.set((req, resp) -> held.complete(() -> vertx.runOnContext(v -> resp.end(wellFormed(req).build()))));
    Lane remote = nodes.lane(topology.lane("r"));
    CompletableFuture<LaneResult> inFlight = remote.infer(call("a", "b"));
    Runnable answer = held.get(20, TimeUnit.SECONDS); // the node has the call and holds its answer
    assertEquals(2, remote.inFlight());
    java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
    boolean[] releasedWhenDrainReturned = new boolean[1];
    Thread drain = Thread.ofPlatform().start(() -> {
      remote.drainAndClose(30_000);
      releasedWhenDrainReturned[0] = released.get();
    });
    while (remote.ready()) Thread.onSpinWait(); // drain has begun: the lane stopped taking work
    assertInstanceOf(LaneException.Unavailable.class, failure(remote.infer(call("late"))), "no new work");
    released.set(true);
    answer.run();
    drain.join(TimeUnit.SECONDS.toMillis(20));
    assertFalse(drain.isAlive(), "drain returned once the call was answered");
    assertTrue(releasedWhenDrainReturned[0], "drain waited for the node's answer to the call in flight");
    assertEquals(2, inFlight.get().vectors().length);
    assertEquals(0, remote.inFlight());
  }
}
