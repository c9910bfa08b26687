package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.oip.GRPCInferenceServiceGrpc;
import dev.laneway.oip.InferParameter;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.oip.ModelStreamInferResponse;
import dev.laneway.protocol.Tensors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bench's gRPC clients over real HTTP/2 on 127.0.0.1 against a small stand-in OIP server (the gateway's gRPC door
 * is another issue): raw BYTES framing, response parameters, deadlines, metadata and stream answers matched by id even
 * when they come back out of order.
 */
class GrpcClientsTest {
  private static final Context.Key<String> REGION = Context.key("region");
  private Server server;
  private GrpcClients clients;

  @BeforeEach
  void start() throws Exception {
    ServerInterceptor headers = new ServerInterceptor() {
      @Override
      public <Q, S> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, S> call, Metadata md,
          io.grpc.ServerCallHandler<Q, S> next) {
        String region = md.get(Metadata.Key.of("x-laneway-region", Metadata.ASCII_STRING_MARSHALLER));
        return Contexts.interceptCall(Context.current().withValue(REGION, region), call, md, next);
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(io.grpc.ServerInterceptors.intercept(new StandIn(), headers)).build().start();
    clients = new GrpcClients("127.0.0.1", server.getPort(), 2000);
  }

  @AfterEach
  void stop() throws Exception {
    clients.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void unary_readsParametersAndSendsHeaders() throws Exception {
    Reply r = clients.unary().infer(new Request("m", "int8", List.of("a", "b", "c"), "intl", "batch", 1000))
        .get(10, TimeUnit.SECONDS);
    assertTrue(r.ok(), "reply: " + r);
    assertEquals(3, r.vectors());
    assertEquals("lane-intl", r.lane());
    assertEquals(2.5, r.executorMs());
    assertEquals(Boolean.TRUE, r.standIn());
  }

  @Test
  void unary_deadlineIsATypedFailure() throws Exception {
    GrpcClients shortDeadline = new GrpcClients("127.0.0.1", server.getPort(), 200);
    try {
      Reply r = shortDeadline.unary().infer(new Request("never", null, List.of("a"), null, null, 0)).get(10, TimeUnit.SECONDS);
      assertEquals("grpc-DEADLINE_EXCEEDED", r.error());
    } finally {
      shortDeadline.close();
    }
  }

  @Test
  void stream_matchesAnswersById() throws Exception {
    InferClient stream = clients.stream();
    List<CompletableFuture<Reply>> fs = new ArrayList<>();
    for (int n = 1; n <= 6; n++) {
      List<String> texts = new ArrayList<>();
      for (int k = 0; k < n; k++) texts.add("t" + k);
      fs.add(stream.infer(new Request("m", null, texts, "hk", null, 0)));
    }
    for (int n = 1; n <= 6; n++) {
      Reply r = fs.get(n - 1).get(10, TimeUnit.SECONDS);
      assertTrue(r.ok(), "reply: " + r);
      assertEquals(n, r.vectors(), "request " + n + " got its own answer");
    }
    stream.close();
  }

  @Test
  void closedServer_isUnavailable() throws Exception {
    int port = server.getPort();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    GrpcClients c = new GrpcClients("127.0.0.1", port, 2000);
    try {
      Reply r = c.unary().infer(new Request("m", null, List.of("a"), null, null, 0)).get(10, TimeUnit.SECONDS);
      assertEquals("grpc-UNAVAILABLE", r.error());
    } finally {
      c.close();
    }
  }

  /** Answers with one 3-d vector per text; model "never" is never answered; stream answers come in reversed pairs. */
  private static final class StandIn extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    static ModelInferResponse answer(ModelInferRequest req, String region) {
      int n = Tensors.decodeBytes(req.getRawInputContents(0).asReadOnlyByteBuffer(), req.getInputs(0).getShape(0), "t").size();
      return ModelInferResponse.newBuilder().setId(req.getId()).setModelName(req.getModelName())
          .putParameters("lane", InferParameter.newBuilder().setStringParam("lane-" + region).build())
          .putParameters("executor_ms", InferParameter.newBuilder().setDoubleParam(2.5).build())
          .putParameters("stand_in", InferParameter.newBuilder().setBoolParam(true).build())
          .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("embedding").setDatatype("FP32")
              .addShape(n).addShape(3))
          .addRawOutputContents(com.google.protobuf.ByteString.copyFrom(Tensors.encodeFp32(new float[n][3])))
          .build();
    }

    @Override
    public void modelInfer(ModelInferRequest req, StreamObserver<ModelInferResponse> out) {
      if (req.getModelName().equals("never")) return;
      out.onNext(answer(req, REGION.get()));
      out.onCompleted();
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
      String region = REGION.get();
      return new StreamObserver<>() {
        ModelInferRequest held;

        @Override
        public void onNext(ModelInferRequest req) {
          if (held == null) {
            held = req;
            return;
          }
          out.onNext(ModelStreamInferResponse.newBuilder().setInferResponse(answer(req, region)).build());
          out.onNext(ModelStreamInferResponse.newBuilder().setInferResponse(answer(held, region)).build());
          held = null;
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }
}
