package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.laneway.oip.GRPCInferenceServiceGrpc;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.oip.ServerReadyRequest;
import dev.laneway.oip.ServerReadyResponse;
import dev.laneway.protocol.Embeddings;
import dev.laneway.protocol.Oip;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A node that answers malformed tensors, seen from a client of the gateway: a real gateway whose one lane is remote,
 * pointing at a real Vert.x gRPC server on 127.0.0.1 that stands in for the node (it answers {@code ServerReady} and
 * answers each {@code ModelInfer} as the test scripts it: the one thing mocked, a node that misbehaves). Whatever is
 * wrong with the answer (shape, dimension, datatype, byte count, value count, no output, no message), the REST client
 * gets a typed 503 naming the lane, the node and the field, and the gRPC client UNAVAILABLE; nothing is answered with
 * the malformed vectors, nothing is a 500, nothing hangs or stays in flight.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteMalformedAnswerTest {
  static final int DIM = 384;
  static final String INFER = "/v2/models/all-minilm-l6-v2/infer";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** How the stand-in node answers ModelInfer now; set by each case. */
  static final AtomicReference<BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest, ModelInferResponse>>>
      ANSWER = new AtomicReference<>();
  static Vertx vertx;
  static HttpServer node;
  static Gateway gateway;
  static ManagedChannel channel;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    ServiceName service = ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME);
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.callHandler(ServiceMethod.server(service, Oip.MODEL_INFER, GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(ModelInferRequest.newBuilder())),
        (GrpcServerRequest<ModelInferRequest, ModelInferResponse> request) ->
            request.handler(m -> ANSWER.get().accept(m, request.response())));
    grpc.callHandler(ServiceMethod.server(service, Oip.SERVER_READY, GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(ServerReadyRequest.newBuilder())),
        (GrpcServerRequest<ServerReadyRequest, ServerReadyResponse> request) -> request.handler(m ->
            request.response().end(ServerReadyResponse.newBuilder().setReady(true).build())));
    node = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(grpc)
        .listen().await();
    // one remote lane; a breaker that stays closed through every case (each must reach the node, not the breaker)
    Path topology = Files.writeString(dir.resolve("topology.yaml"), """
        regions: [{id: hk, cidrs: [127.0.0.0/8]}]
        devices: [{id: node-cpu0, region: hk, kind: cpu, providers: [cpu]}]
        lanes:
          - id: hk-remote
            region: hk
            class: general
            devices: [node-cpu0]
            remote: {address: "127.0.0.1:%d"}
            breaker: {window: 100, minimum_calls: 100}
        models:
          - name: all-minilm-l6-v2
            space: all-minilm-l6-v2
            dimension: %d
            max_sequence_length: 256
            variants:
              - {name: int8, onnx: classpath:all-minilm-l6-v2-q.onnx, tokenizer: classpath:all-minilm-l6-v2-q-tokenizer.json,
                 quantized: true}
        """.formatted(node.actualPort(), DIM));
    Path policy = Files.writeString(dir.resolve("policy.yaml"), """
        require_api_key: false
        rules:
          - name: the-node
            lanes: [{class: general, region: any}]
        """);
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()).with("cache-max-bytes", "0").with("watch", "false").with("remote-probe-interval", "200ms"));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (gateway != null) gateway.close();
    if (vertx != null) vertx.close().await();
  }

  @AfterEach
  void nothingLeftInFlight() {
    Await.until(() -> gateway.inFlight() == 0 && gateway.lanes().get("hk-remote").inFlight() == 0,
        Duration.ofSeconds(10), "nothing left in flight");
    assertEquals("closed", gateway.lanes().get("hk-remote").health().breakerState());
  }

  /** The answer a Laneway node gives: one unit vector per text, raw as asked. */
  static ModelInferResponse.Builder wellFormed(ModelInferRequest req) {
    int n = (int) req.getInputs(0).getShape(0);
    float[][] v = new float[n][DIM];
    for (int i = 0; i < n; i++) v[i][i % DIM] = 1;
    return Embeddings.response(req.getModelName(), req.getModelVersion(), req.getId(), v, Embeddings.raw(req));
  }

  static Arguments malformed(String what, String names,
      BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest, ModelInferResponse>> answer) {
    return Arguments.of(what, names, answer);
  }

  static Stream<Arguments> answers() {
    return Stream.of(
        malformed("one row too many", "outputs[0].shape", (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          resp.end(b.setOutputs(0, b.getOutputs(0).toBuilder().setShape(0, req.getInputs(0).getShape(0) + 1)).build());
        }),
        malformed("another dimension than the model's", "outputs[0].shape", (req, resp) -> {
          int n = (int) req.getInputs(0).getShape(0);
          resp.end(Embeddings.response(req.getModelName(), req.getModelVersion(), req.getId(), new float[n][3],
              Embeddings.raw(req)).build());
        }),
        malformed("another datatype", "outputs[0].datatype", (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          resp.end(b.setOutputs(0, b.getOutputs(0).toBuilder().setDatatype("FP16")).build());
        }),
        malformed("two bytes short", "raw_output_contents[0]", (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req);
          ByteString raw = b.getRawOutputContents(0);
          resp.end(b.setRawOutputContents(0, raw.substring(0, raw.size() - 2)).build());
        }),
        malformed("too few typed values", "outputs[0].contents.fp32_contents", (req, resp) -> {
          ModelInferResponse.Builder b = wellFormed(req).clearRawOutputContents();
          resp.end(b.setOutputs(0, b.getOutputs(0).toBuilder()
              .setContents(InferTensorContents.newBuilder().addFp32Contents(1))).build());
        }),
        malformed("no output", "outputs: none", (req, resp) ->
            resp.end(wellFormed(req).clearOutputs().clearRawOutputContents().build())),
        malformed("no message at all", "hk-remote", (req, resp) -> resp.end()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void malformedAnswer_isATypedUnavailable_onRestAndGrpc(String what, String names,
      BiConsumer<ModelInferRequest, GrpcServerResponse<ModelInferRequest, ModelInferResponse>> answer)
      throws Exception {
    ANSWER.set(answer);
    String nodeAddress = "127.0.0.1:" + node.actualPort();
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort()
            + INFER)).POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("a", "b")))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, r.statusCode(), what + ": " + r.body());
    String error = new JsonObject(r.body()).getString("error");
    assertTrue(error.contains("hk-remote") && error.contains(nodeAddress) && error.contains(names),
        what + ": the error names the lane, the node and what was wrong: " + error);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
        .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(ModelInferRequest.newBuilder()
            .setModelName("all-minilm-l6-v2").addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                .setName("text").setDatatype("BYTES").addShape(1)
                .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("c"))))
            .build()), what);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), what + ": " + e.getStatus());
    assertTrue(e.getStatus().getDescription().contains(names), what + ": " + e.getStatus());
  }

  /** The same stand-in answering well: the cases above fail for what they break, not for the set-up. */
  @ParameterizedTest(name = "well-formed, raw={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void wellFormedAnswer_isServed(boolean raw) throws Exception {
    ANSWER.set((req, resp) -> {
      int n = (int) req.getInputs(0).getShape(0);
      float[][] v = new float[n][DIM];
      for (int i = 0; i < n; i++) v[i][i % DIM] = 1;
      resp.end(Embeddings.response(req.getModelName(), req.getModelVersion(), req.getId(), v, raw).build());
    });
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort()
            + INFER)).POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("a", "b")))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body()).getJsonArray("outputs").getJsonObject(0);
    assertEquals(List.of(2, DIM), out.getJsonArray("shape").getList());
    assertEquals(1.0, out.getJsonArray("data").getDouble(DIM + 1), "row 1 is the node's unit vector e1");
    assertEquals("hk-remote", new JsonObject(r.body()).getJsonObject("parameters").getString("lane"));
  }
}
