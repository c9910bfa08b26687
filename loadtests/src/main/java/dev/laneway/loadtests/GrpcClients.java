package dev.laneway.loadtests;

import dev.laneway.oip.GRPCInferenceServiceGrpc;
import dev.laneway.oip.InferParameter;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.oip.ModelStreamInferResponse;
import dev.laneway.protocol.Embeddings;
import dev.laneway.protocol.Oip;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * OIP gRPC ({@code inference.GRPCInferenceService}) clients over one HTTP/2 channel (plaintext, or TLS): {@link #unary()}
 * ({@code ModelInfer}) and {@link #stream()} ({@code ModelStreamInfer}, one bidirectional stream per (region, latency
 * class), answers matched to requests by {@code id}). Texts travel as {@code raw_input_contents} (protocol's {@code Embeddings.request}).
 *
 * <p>Threads: {@code infer} may be called from any thread and never blocks; futures complete on gRPC's executor.
 */
public final class GrpcClients implements AutoCloseable {
  private final ManagedChannel channel;
  private final long deadlineMs;

  public GrpcClients(String host, int port, long deadlineMs) {
    this(host, port, deadlineMs, null);
  }

  /** As {@link #GrpcClients(String, int, long)}, over TLS trusting the PEM certificate(s) in {@code trust} (null: plaintext). */
  public GrpcClients(String host, int port, long deadlineMs, java.nio.file.Path trust) {
    NettyChannelBuilder b;
    try {
      b = trust == null ? NettyChannelBuilder.forAddress(host, port).usePlaintext()
          : NettyChannelBuilder.forAddress(host, port,
              io.grpc.TlsChannelCredentials.newBuilder().trustManager(trust.toFile()).build());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + trust, e);
    }
    this.channel = b.maxInboundMessageSize(64 << 20).build();
    this.deadlineMs = deadlineMs;
  }

  static ModelInferRequest request(Request r, String id) {
    ModelInferRequest.Builder b = Embeddings.request(r.model(), r.version(), r.texts()).setId(id)
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(Oip.OUTPUT));
    if (r.timeoutMicros() > 0) b.putParameters("timeout", InferParameter.newBuilder().setInt64Param(r.timeoutMicros()).build());
    return b.build();
  }

  static Metadata metadata(Request r) {
    Metadata md = new Metadata();
    if (r.region() != null) md.put(Metadata.Key.of("x-laneway-region", Metadata.ASCII_STRING_MARSHALLER), r.region());
    if (r.latencyClass() != null) {
      md.put(Metadata.Key.of("x-laneway-latency-class", Metadata.ASCII_STRING_MARSHALLER), r.latencyClass());
    }
    return md;
  }

  static Reply reply(ModelInferResponse resp) {
    int vectors = resp.getOutputsCount() > 0 && resp.getOutputs(0).getShapeCount() > 0
        ? (int) resp.getOutputs(0).getShape(0) : 0;
    return OipReplies.fromGrpc(resp.getParametersMap(), vectors);
  }

  static String reason(Throwable t) {
    Status s = Status.fromThrowable(t);
    return s.getCode() == Status.Code.UNKNOWN && s.getCause() != null ? Http.reason(s.getCause()) : "grpc-" + s.getCode();
  }

  public InferClient unary() {
    return new InferClient() {
      @Override
      public String name() {
        return "grpc";
      }

      @Override
      public CompletableFuture<Reply> infer(Request r) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        GRPCInferenceServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata(r)))
            .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
            .modelInfer(request(r, ""), new StreamObserver<>() {
              @Override
              public void onNext(ModelInferResponse value) {
                f.complete(reply(value));
              }

              @Override
              public void onError(Throwable t) {
                f.complete(Reply.failed(reason(t)));
              }

              @Override
              public void onCompleted() {
                f.complete(Reply.failed("grpc-no-response"));
              }
            });
        return f;
      }

      @Override
      public void close() {}
    };
  }

  public InferClient stream() {
    return new StreamClient();
  }

  /** ModelStreamInfer: one open stream per routing key; a stream that fails fails every request waiting on it. */
  private final class StreamClient implements InferClient {
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    @Override
    public String name() {
      return "grpc-stream";
    }

    @Override
    public CompletableFuture<Reply> infer(Request r) {
      String key = r.region() + "|" + r.latencyClass();
      Stream s = streams.computeIfAbsent(key, k -> new Stream(r));
      String id = Long.toString(ids.incrementAndGet());
      CompletableFuture<Reply> f = new CompletableFuture<>();
      s.pending.put(id, f);
      synchronized (s) {
        if (s.failed != null) {
          s.pending.remove(id);
          streams.remove(key, s);
          f.complete(Reply.failed(s.failed));
          return f;
        }
        s.requests.onNext(request(r, id));
      }
      return f;
    }

    @Override
    public void close() {
      for (Stream s : streams.values()) {
        synchronized (s) {
          if (s.failed == null) s.requests.onCompleted();
        }
      }
    }
  }

  private final class Stream implements StreamObserver<ModelStreamInferResponse> {
    final Map<String, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    final StreamObserver<ModelInferRequest> requests;
    volatile String failed;

    Stream(Request r) {
      requests = GRPCInferenceServiceGrpc.newStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata(r)))
          .modelStreamInfer(this);
    }

    @Override
    public void onNext(ModelStreamInferResponse value) {
      CompletableFuture<Reply> f = pending.remove(value.getInferResponse().getId());
      if (f == null) return;
      f.complete(value.getErrorMessage().isEmpty() ? reply(value.getInferResponse()) : Reply.failed("stream-error"));
    }

    @Override
    public void onError(Throwable t) {
      fail(reason(t));
    }

    @Override
    public void onCompleted() {
      fail("grpc-stream-closed");
    }

    private void fail(String reason) {
      synchronized (this) {
        failed = reason;
      }
      for (String id : pending.keySet()) {
        CompletableFuture<Reply> f = pending.remove(id);
        if (f != null) f.complete(Reply.failed(reason));
      }
    }
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) channel.shutdownNow();
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
