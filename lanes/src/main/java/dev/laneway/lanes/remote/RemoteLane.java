package dev.laneway.lanes.remote;

import dev.laneway.base.AttributeNames;
import dev.laneway.base.InFlight;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.lanes.LaneResult;
import dev.laneway.oip.InferParameter;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.protocol.Embeddings;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.OipFormatException;
import dev.laneway.protocol.Parameters;
import dev.laneway.protocol.TokenCounts;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.RemoteSpec;
import dev.laneway.topology.Topology;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lane served by another process: an executor node ({@code laneway node}) or any Open Inference Protocol gRPC
 * server, reached with {@code ModelInfer} over the shared Vert.x gRPC client (one HTTP/2 connection per node,
 * multiplexed). The texts travel as one raw {@code BYTES} tensor ({@code raw_input_contents}, Triton's
 * length-prefixed layout), the variant as {@code model_version}, the request's deadline as {@code grpc-timeout}, the
 * trace context as {@code traceparent} metadata (the W3C propagator), and the lane id and latency class as the
 * {@code lane} and {@code latency_class} request parameters (Laneway extensions: a node serves exactly that lane in
 * that class; with {@code remote.lane: ""} neither is sent, and a plain OIP server routes by model and version).
 *
 * <p>Node errors map to {@link LaneException} kinds as dispatch and the breaker need them: a node that cannot be
 * reached, breaks the call or answers malformed tensors (another shape, datatype, byte or value count, or another
 * dimension than the model's), and {@code UNAVAILABLE}, {@code NOT_FOUND} and other server errors are
 * {@link LaneException.DeviceFailed} (retry elsewhere, counted by the breaker); {@code RESOURCE_EXHAUSTED}
 * is {@link LaneException.QueueFull} (the node shed load: not counted; its {@code grpc-retry-pushback-ms} becomes the
 * Retry-After); {@code DEADLINE_EXCEEDED} is {@link LaneException.DeadlineExceeded} when the request's own deadline
 * has passed (the node's queue: not counted), else {@link LaneException.Unavailable}; {@code CANCELLED} is
 * unavailable (not counted); {@code INVALID_ARGUMENT} is {@link LaneException.InvalidInput} (the client's error). A
 * node that does not answer at all within the deadline plus {@value #DEADLINE_GRACE_MILLIS} ms (a Laneway node answers
 * at the deadline itself) fails the call as a deadline that passed while executing, which the breaker counts once it
 * is longer than {@code slow_call}.
 *
 * <p>Expected completion ({@link #expectedCompletionNanos}): an EWMA of the queue and compute times the node reports
 * ({@code queue_ms + compute_ms}), excluding the network, and of the queue time alone ({@link #expectedWaitNanos}); a
 * plain OIP server reports neither, and its lane is ordered by its observed latency.
 *
 * <p>Wrapped in a {@code GuardedLane} like any local lane (breaker, bulkhead, EWMA with the declared RTT as prior);
 * built by {@link RemoteNodes#lane}, which also probes the node. {@link #infer} is called from any thread and never
 * blocks. Called on an event loop of the gateway's Vert.x (a door's), it sends over that loop's own connection to the
 * node ({@link LoopClients}) and its future completes there: no thread hand-off on the way out or back. From another
 * thread it sends from the event loop the call's {@code completion} names (a hedge's timer), else from one loop of
 * its own. {@link #drainAndClose} waits on the calls in flight
 * ({@link InFlight}), without polling.
 */
final class RemoteLane implements Lane {
  /** How long after the request's deadline the gateway gives up on a node that has not answered. */
  static final long DEADLINE_GRACE_MILLIS = 250;

  private final LaneSpec spec;
  private final Topology topology;
  private final Vertx vertx;
  private final LoopClients clients;
  /** Where a call is sent from when its caller is on no event loop of {@link #vertx} and names none (one loop). */
  private final io.vertx.core.Context fallback;
  private final SocketAddress address;
  private final OpenTelemetry otel;
  private final String remoteLane;
  /** Texts sent and not yet answered (or failed): what drain waits on. */
  private final InFlight inFlight = new InFlight();
  /** EWMA of the node-reported queue + compute time, nanos; 0 before the first answer that carried them. */
  private final AtomicLong nodeNanos = new AtomicLong();
  /** EWMA of the node-reported queue time alone, nanos. */
  private final AtomicLong nodeQueueNanos = new AtomicLong();
  private volatile boolean closed;
  /** The last TLS failure logged, so a lane that keeps failing the same way logs it once. */
  private volatile String lastTlsFailure;
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(RemoteLane.class.getName());

  RemoteLane(LaneSpec spec, Topology topology, Vertx vertx, LoopClients clients, OpenTelemetry otel) {
    RemoteSpec r = spec.remote();
    this.vertx = vertx;
    this.spec = spec;
    this.topology = topology;
    this.clients = clients;
    this.fallback = vertx.getOrCreateContext(); // built on a loader thread: a fresh event loop context
    this.address = SocketAddress.inetSocketAddress(r.port(), r.host());
    this.otel = otel;
    this.remoteLane = r.laneFor(spec.id());
  }

  SocketAddress address() {
    return address;
  }

  @Override
  public String id() {
    return spec.id();
  }

  @Override
  public LaneSpec spec() {
    return spec;
  }

  /** The variants the lane's class admits: the node loads the same set from the same topology. */
  @Override
  public boolean serves(String model, String variant) {
    return topology.model(model).flatMap(m -> m.variant(variant)).map(v -> Topology.admits(spec, v)).orElse(false);
  }

  @Override
  public List<DeviceStatus> devices() {
    String where = "served by the node at " + spec.remote().address();
    if (spec.devices().isEmpty()) {
      return List.of(new DeviceStatus("remote:" + spec.remote().address(), "remote", List.of(), "grpc", false, where));
    }
    List<DeviceStatus> out = new ArrayList<>();
    for (String d : spec.devices()) {
      out.add(new DeviceStatus(d, topology.device(d).kind().name().toLowerCase(Locale.ROOT),
          topology.device(d).providers(), "remote", false, where));
    }
    return out;
  }

  /** Always true once started: a node that stops answering is ejected by the breaker (passive and active health). */
  @Override
  public boolean ready() {
    return !closed;
  }

  @Override
  public CompletableFuture<LaneResult> infer(LaneCall call) {
    int texts = call.texts().size();
    inFlight.enter(texts); // before the closed check: a drain that has begun either sees this call or refuses it
    if (closed) {
      inFlight.exit(texts);
      return CompletableFuture.failedFuture(new LaneException.Unavailable(id(), id() + ": shutting down", null));
    }
    CompletableFuture<LaneResult> attempt = new CompletableFuture<>();
    CompletableFuture<LaneResult> answer = new CompletableFuture<>();
    // the call leaves the in-flight count before its caller sees the answer (drain and inFlight() agree with it);
    // a caller that cancels the answer cancels the attempt, which cancels the call at the node
    attempt.whenComplete((r, e) -> {
      inFlight.exit(texts);
      if (e == null) {
        answer.complete(r);
      } else {
        answer.completeExceptionally(e);
      }
    });
    answer.whenComplete((r, e) -> {
      if (answer.isCancelled()) attempt.cancel(false);
    });
    try {
      send(call, attempt);
    } catch (RuntimeException e) { // nothing thrown here may leave the call, or drain, waiting
      attempt.completeExceptionally(unavailable("call failed: " + e.getMessage(), e));
    }
    return answer;
  }

  /**
   * Sends the call to the node; every path completes {@code result}, and its cancellation cancels the call. The call's
   * tenant and weight are not sent: the node sees this gateway as its one caller, and its lane shares tokens between
   * its own callers (the gateways), while this gateway's tenants are shared fairly by its local lanes only.
   */
  private void send(LaneCall call, CompletableFuture<LaneResult> result) {
    ModelInferRequest.Builder b = Embeddings.request(call.model().name(), call.variant().name(), call.texts());
    if (remoteLane != null) {
      // Laneway's extensions, for a Laneway node only: a plain OIP server (lane: "") gets the published protocol
      b.putParameters(Oip.LANE, Parameters.of(remoteLane))
          .putParameters(Oip.LATENCY_CLASS, Parameters.of(call.latencyClass()));
    }
    ModelInferRequest message = b.build();
    // a CLIENT span per call (gRPC client instrumentation's shape), child of what is current: the node's server span
    // becomes its child through traceparent
    // (the instrumentation scope keeps the gateway's name, which traces have carried since remote lanes began)
    Span span = otel.getTracer("dev.laneway.gateway")
        .spanBuilder(Oip.fullMethodName(Oip.MODEL_INFER)).setParent(Context.current())
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(AttributeNames.RPC_SYSTEM, "grpc")
        .setAttribute(AttributeNames.SERVER_ADDRESS, spec.remote().address())
        .setAttribute(AttributeNames.LANE, spec.id()).startSpan();
    Context context = Context.current().with(span);
    long timeoutMillis = call.deadlineNanos() == Long.MAX_VALUE ? 0
        : Math.max(1, TimeUnit.NANOSECONDS.toMillis(call.deadlineNanos() - System.nanoTime()));
    result.whenComplete((r, e) -> {
      if (e != null) span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      span.end();
    });
    Runnable sending = () -> {
      try {
        sendHere(call, message, context, timeoutMillis, result);
      } catch (RuntimeException e) { // nothing thrown here may leave the call, or drain, waiting
        result.completeExceptionally(unavailable("call failed: " + e.getMessage(), e));
      }
    };
    LoopClients.runOnLoop(vertx, call.completion(), fallback, sending);
  }

  /** Sends {@code message} over the calling event loop's client; completes {@code result} on this loop. */
  private void sendHere(LaneCall call, ModelInferRequest message, Context context, long timeoutMillis,
      CompletableFuture<LaneResult> result) {
    if (result.isDone()) return; // cancelled, or timed out, before it could leave
    clients.here().request(address, RemoteNodes.MODEL_INFER).onComplete(ar -> {
      if (ar.failed()) {
        String tls = tlsFailure(ar.cause());
        result.completeExceptionally(unavailable(tls != null ? "TLS: " + tls
            : "cannot reach the node: " + ar.cause().getMessage(), ar.cause()));
        return;
      }
      GrpcClientRequest<ModelInferRequest, ModelInferResponse> request = ar.result();
      otel.getPropagators().getTextMapPropagator().inject(context, request.headers(),
          (carrier, key, value) -> carrier.set(key, value));
      if (timeoutMillis > 0) {
        request.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
        // the node enforces the deadline (grpc-timeout); this guard only frees us from a node that never answers
        long timer = vertx.setTimer(timeoutMillis + DEADLINE_GRACE_MILLIS, t -> {
          if (!result.isDone()) {
            request.cancel();
            long waited = TimeUnit.MILLISECONDS.toNanos(timeoutMillis + DEADLINE_GRACE_MILLIS);
            result.completeExceptionally(new LaneException.DeadlineExceeded(id(), id() + ": the node at "
                + spec.remote().address() + " did not answer within the deadline (+" + DEADLINE_GRACE_MILLIS
                + " ms)", true, waited, 0));
          }
        });
        result.whenComplete((r, e) -> vertx.cancelTimer(timer));
      }
      result.whenComplete((r, e) -> {
        if (result.isCancelled()) request.cancel();
      });
      request.send(message).compose(response -> response.last().map(m -> {
        if (response.status() != null && response.status() != GrpcStatus.OK) {
          throw new CompletionException(error(response.status(), response.statusMessage(), call,
              pushbackNanos(response.trailers())));
        }
        return m;
      }).recover(e -> {
        if (response.status() != null && response.status() != GrpcStatus.OK) {
          return Future.failedFuture(error(response.status(), response.statusMessage(), call,
              pushbackNanos(response.trailers())));
        }
        return Future.failedFuture(e);
      })).onComplete(done -> {
        if (done.succeeded()) {
          try {
            result.complete(decode(done.result(), call));
          } catch (RuntimeException e) { // OipFormatException: malformed tensors; anything else must not hang the call
            result.completeExceptionally(unavailable("bad answer: " + e.getMessage(), e));
          }
        } else {
          Throwable e = done.cause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
              : done.cause();
          String tls = e instanceof LaneException ? null : tlsFailure(e);
          result.completeExceptionally(e instanceof LaneException ? e
              : unavailable(tls != null ? "TLS: " + tls : "call failed: " + e.getMessage(), e));
        }
      });
    });
  }

  /**
   * Why a call failed at TLS ({@link NodeTls#reason}), or null; logged once per new reason (a TLS 1.3 server refuses
   * a client certificate after the client's handshake is done, so it can show on the call rather than the connect).
   */
  private String tlsFailure(Throwable e) {
    String tls = NodeTls.reason(e);
    if (tls != null && !tls.equals(lastTlsFailure)) {
      LOG.warning("lane " + id() + ": TLS with node " + spec.remote().address() + " failed: " + tls
          + " (the lane is unavailable; calls fall back)");
    }
    lastTlsFailure = tls;
    return tls;
  }

  private LaneException unavailable(String what, Throwable cause) {
    return new LaneException.DeviceFailed(id(), id() + ": node " + spec.remote().address() + ": " + what, cause);
  }

  /** The node's {@code grpc-retry-pushback-ms} trailer in nanoseconds, 0 when absent or malformed. */
  static long pushbackNanos(MultiMap trailers) {
    String v = trailers == null ? null : trailers.get("grpc-retry-pushback-ms");
    if (v == null) return 0;
    try {
      return TimeUnit.MILLISECONDS.toNanos(Math.max(0, Long.parseLong(v.trim())));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The node's gRPC status as the lane exception dispatch and the breaker act on. */
  LaneException error(GrpcStatus status, String message, LaneCall call, long pushbackNanos) {
    String m = id() + ": node " + spec.remote().address() + ": " + status.name() + ": " + message;
    return switch (status) {
      case INVALID_ARGUMENT -> new LaneException.InvalidInput(id(), m);
      case RESOURCE_EXHAUSTED -> new LaneException.QueueFull(id(), m, LaneException.QueueFull.Reason.QUEUE_FULL,
          pushbackNanos);
      case DEADLINE_EXCEEDED -> call.deadlineNanos() - System.nanoTime() <= TimeUnit.MILLISECONDS.toNanos(5)
          ? new LaneException.DeadlineExceeded(id(), m) : new LaneException.Unavailable(id(), m, null);
      case CANCELLED -> new LaneException.Unavailable(id(), m, null);
      default -> new LaneException.DeviceFailed(id(), m, null);
    };
  }

  @Override
  public long expectedCompletionNanos(String latencyClass, int texts) {
    long n = nodeNanos.get();
    return n == 0 ? -1 : n;
  }

  @Override
  public long expectedWaitNanos(String latencyClass) {
    return nodeNanos.get() == 0 ? -1 : nodeQueueNanos.get();
  }

  /** The node's answer as the lane's result; an {@link OipFormatException} when its tensors are malformed. */
  private LaneResult decode(ModelInferResponse r, LaneCall call) {
    int n = call.texts().size();
    float[][] vectors = Embeddings.vectors(r, n);
    if (r.getOutputs(0).getShape(1) != call.model().dimension()) { // well-formed, but not this model's vectors
      throw new OipFormatException("outputs[0].shape: " + r.getOutputs(0).getShapeList() + " (expected: [" + n + ", "
          + call.model().dimension() + "], the dimension of " + call.model().name() + ")");
    }
    Map<String, InferParameter> p = r.getParametersMap();
    String device = Parameters.string(p, Oip.DEVICE, spec.remote().address());
    double queueMs = Parameters.number(p, Oip.QUEUE_MS);
    double computeMs = Parameters.number(p, Oip.COMPUTE_MS);
    long nodeTook = (long) ((queueMs + computeMs) * 1e6);
    if (nodeTook > 0) {
      long queued = (long) (queueMs * 1e6);
      boolean first = nodeNanos.get() == 0;
      nodeNanos.updateAndGet(cur -> cur == 0 ? nodeTook : cur + (nodeTook - cur) / 5);
      nodeQueueNanos.updateAndGet(cur -> first ? queued : cur + (queued - cur) / 5);
    }
    return new LaneResult(vectors, TokenCounts.decode(Parameters.string(p, Oip.TOKEN_COUNTS, null), n), id(),
        Parameters.string(p, Oip.REGION, spec.region()), device, Parameters.string(p, Oip.PROVIDER, "remote"),
        Parameters.bool(p, Oip.STAND_IN), r.getModelVersion().isEmpty() ? call.variant().name() : r.getModelVersion(),
        (long) (queueMs * 1e6), (long) (computeMs * 1e6));
  }

  /** Texts sent to the node and not yet answered. */
  @Override
  public int inFlight() {
    return (int) inFlight.count();
  }

  /**
   * Stops taking work and waits (up to the timeout) until the calls in flight are answered or failed; the client is
   * closed by its owner ({@link RemoteNodes#close}).
   */
  @Override
  public void drainAndClose(long timeoutMillis) {
    closed = true;
    inFlight.awaitZero(timeoutMillis);
  }

  @Override
  public void close() {
    closed = true;
  }
}
