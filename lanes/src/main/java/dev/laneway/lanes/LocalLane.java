package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import dev.laneway.executor.BatchPolicy;
import dev.laneway.executor.ClassShares;
import dev.laneway.executor.DeviceProvider;
import dev.laneway.executor.EmbedRequest;
import dev.laneway.executor.ExecutorConfig;
import dev.laneway.executor.ExecutorException;
import dev.laneway.executor.ExecutorModel;
import dev.laneway.executor.LaneExecutor;
import dev.laneway.executor.SharedSessions;
import dev.laneway.executor.Placement;
import dev.laneway.executor.Priority;
import dev.laneway.topology.Batching;
import dev.laneway.topology.Device;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A lane served in this process: an executor on the lane's devices, with every admitted model variant loaded. A call's
 * tenant and weight go with its texts to the executor, which shares each latency class's tokens fairly between tenants.
 */
public final class LocalLane implements Lane {
  private final LaneSpec spec;
  private final LaneExecutor executor;
  private final List<DeviceStatus> devices;

  private LocalLane(LaneSpec spec, LaneExecutor executor, List<DeviceStatus> devices) {
    this.spec = spec;
    this.executor = executor;
    this.devices = List.copyOf(devices);
  }

  /** Loads and warms every variant admitted to this lane's class on each of its devices. Blocks until ready. */
  public static LocalLane start(LaneSpec spec, Topology topology) {
    return start(spec, topology, OpenTelemetry.noop());
  }

  /** As {@link #start(LaneSpec, Topology)}, recording the executor's spans and metrics through {@code otel}. */
  public static LocalLane start(LaneSpec spec, Topology topology, OpenTelemetry otel) {
    return start(spec, topology, otel, SharedSessions.none());
  }

  /**
   * As {@link #start(LaneSpec, Topology, OpenTelemetry)}, sharing sessions with the other lanes started with {@code
   * share} (their devices asking for the same providers: {@link SharedSessions}).
   */
  public static LocalLane start(LaneSpec spec, Topology topology, OpenTelemetry otel, SharedSessions share) {
    List<ExecutorModel> models = new ArrayList<>();
    for (ModelSpec m : topology.models()) {
      for (VariantSpec v : m.variants()) {
        if (Topology.admits(spec, v)) {
          models.add(executorModel(m, v));
        }
      }
    }
    List<Placement> placements = new ArrayList<>();
    for (String id : spec.devices()) {
      Device d = topology.device(id);
      placements.add(new Placement(d.id(), d.providers()));
    }
    ExecutorConfig config = executorConfig(spec);
    LaneExecutor executor = LaneExecutor.start(config, placements, models, otel, share);
    List<DeviceStatus> devices = new ArrayList<>();
    for (DeviceProvider p : executor.providers()) {
      devices.add(new DeviceStatus(p.device(), topology.device(p.device()).kind().name().toLowerCase(Locale.ROOT),
          p.requested(), p.provider(), p.standIn(), p.reason()));
    }
    return new LocalLane(spec, executor, devices);
  }

  /** Bounds the rows one execution may allocate on each device (the {@code oom} fault); larger batches are split. */
  void limitRows(java.util.function.ToIntFunction<String> maxRowsByDevice) {
    executor.limitRows(maxRowsByDevice);
  }

  /** The executor's view of a lane's batching profile. */
  public static ExecutorConfig executorConfig(LaneSpec spec) {
    Batching b = spec.batching();
    Map<Priority, Duration> delays = new EnumMap<>(Priority.class);
    for (Priority p : Priority.values()) {
      delays.put(p, b.maxQueueDelay(p.wireName()));
    }
    BatchPolicy policy = new BatchPolicy(b.maxBatchSize(), b.preferredBatchSizes(), delays,
        b.sequenceLengthMultiple(), b.staticBatchSizes(), b.staticSequenceLengths(), b.maxBatchTokens())
        .withAgingAfter(b.agingAfter()).withYieldingBatchTokens(b.yieldingBatchTokens())
        .withUrgentReservedInstances(b.urgentReservedInstances()).withWorkConserving(b.workConserving())
        .withBatchNice(b.batchNice()).withLongTextTokens(b.longTextTokens());
    return new ExecutorConfig(spec.id(), spec.region(), policy, b.maxQueueSize(), spec.instances(),
        spec.intraOpThreads(), shares(spec));
  }

  /** The lane's {@code reserved_by_class} as the executor and the in-flight gate share capacity by class. */
  public static ClassShares shares(LaneSpec spec) {
    Map<Priority, Double> reserved = new EnumMap<>(Priority.class);
    for (Priority p : Priority.values()) {
      double share = spec.batching().reserved(p.wireName());
      if (share > 0) reserved.put(p, share);
    }
    return ClassShares.of(reserved);
  }

  /** The executor's view of a topology variant. */
  public static ExecutorModel executorModel(ModelSpec m, VariantSpec v) {
    return new ExecutorModel(ModelKey.of(m.name(), v.name()), v.onnx(), v.tokenizer(),
        m.pooling().equals("cls") ? ExecutorModel.Pooling.CLS : ExecutorModel.Pooling.MEAN, m.maxSequenceLength());
  }

  @Override
  public String id() {
    return spec.id();
  }

  @Override
  public LaneSpec spec() {
    return spec;
  }

  @Override
  public boolean serves(String model, String variant) {
    return executor.models().contains(ModelKey.of(model, variant));
  }

  /** Every variant the executor loaded. */
  @Override
  public Set<ModelKey> models() {
    return executor.models();
  }

  @Override
  public long countTokens(String model, List<String> texts) {
    for (ModelKey k : executor.models()) {
      if (k.model().equals(model)) return executor.countTokens(k, texts);
    }
    return -1;
  }

  /** Texts the executor computed so far. */
  @Override
  public long computedTexts() {
    return executor.stats().inferenceCount();
  }

  @Override
  public boolean ready() {
    return true;
  }

  @Override
  public List<DeviceStatus> devices() {
    return devices;
  }

  @Override
  public CompletableFuture<LaneResult> infer(LaneCall call) {
    ModelKey key = ModelKey.of(call.model().name(), call.variant().name());
    long deadline = call.deadlineNanos();
    Duration classTimeout = spec.batching().defaultTimeoutByClass().get(call.latencyClass());
    if (deadline == Long.MAX_VALUE && classTimeout != null) {
      deadline = System.nanoTime() + classTimeout.toNanos();
    }
    EmbedRequest request = new EmbedRequest(key, call.texts(), deadline, Priority.parse(call.latencyClass()),
        Context.current(), call.tenant(), call.weight());
    // answered on the call's completion executor (a door's event loop: once per batch), so is what follows here
    CompletableFuture<dev.laneway.executor.EmbedResult> submitted = executor.submit(request, call.completion());
    CompletableFuture<LaneResult> result = submitted
        .handle(
            (r, error) -> {
              if (error != null) {
                throw new CompletionException(translate(error));
              }
              return new LaneResult(
                  r.vectors(),
                  r.tokenCounts(),
                  spec.id(),
                  spec.region(),
                  r.device(),
                  r.provider(),
                  r.standIn(),
                  call.variant().name(),
                  r.queueNanos(),
                  r.computeNanos(),
                  r.expectedComputeNanos());
            });
    // cancelling the lane's answer cancels the executor's, which frees the request's queued items
    result.whenComplete((r, e) -> {
      if (result.isCancelled()) submitted.cancel(false);
    });
    return result;
  }

  private RuntimeException translate(Throwable error) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return switch (e) {
      case ExecutorException.QueueFull q -> new LaneException.QueueFull(spec.id(), q.getMessage(), switch (q.reason()) {
        case FULL -> LaneException.QueueFull.Reason.QUEUE_FULL;
        case SHED -> LaneException.QueueFull.Reason.SHED;
        case DEADLINE -> LaneException.QueueFull.Reason.WOULD_MISS_DEADLINE;
      }, q.retryAfterNanos());
      case ExecutorException.DeadlineExceeded d -> new LaneException.DeadlineExceeded(spec.id(), d.getMessage(),
          d.executing(), d.executingNanos(), d.expectedNanos());
      case ExecutorException.ShuttingDown s -> new LaneException.Unavailable(spec.id(), s.getMessage(), s);
      case ExecutorException.UnknownModel u -> new LaneException.Unavailable(spec.id(), u.getMessage(), u);
      case ExecutorException.InputTooLong t -> new LaneException.InvalidInput(spec.id(), t.getMessage());
      case ExecutorException.ExecutionFailed f -> new LaneException.DeviceFailed(spec.id(), f.getMessage(), f);
      case java.util.concurrent.CancellationException c -> c;
      default -> new LaneException.DeviceFailed(spec.id(), spec.id() + ": " + e, e);
    };
  }

  @Override
  public long expectedCompletionNanos(String latencyClass, int texts) {
    return executor.expectedCompletionNanos(Priority.parse(latencyClass), texts);
  }

  @Override
  public long expectedWaitNanos(String latencyClass) {
    return executor.expectedWaitNanos(Priority.parse(latencyClass));
  }

  /** Items of a class held in the lane's queue (queued or waiting for the tokenizer). */
  public int queueDepth(String latencyClass) {
    return executor.queueDepth(Priority.parse(latencyClass));
  }

  @Override
  public int inFlight() {
    return executor.inFlight();
  }

  @Override
  public void drainAndClose(long timeoutMillis) {
    executor.drainAndClose(timeoutMillis);
  }

  @Override
  public void close() {
    executor.close();
  }
}
