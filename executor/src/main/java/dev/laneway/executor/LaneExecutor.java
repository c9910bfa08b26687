package dev.laneway.executor;

import dev.laneway.base.InFlight;
import dev.laneway.base.ModelKey;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * One lane's executor: {@link QueueAdmission} (deadlines, slots shared by class, shedding), a {@link LaneQueue}
 * (requests waiting for the tokenizer and items queued per latency class, the estimates), a {@link TokenizerStage}, the {@link Batcher}'s decision, and {@link Instance}s that each own one ONNX Runtime session
 * per model variant and only compute; {@link ExecutingDeadlines} answers requests whose batch outlives their deadline.
 * This class starts, wires and stops them, and is the only public way in.
 *
 * <p>Life of an item: {@link #submit} reserves queue slots (or refuses with queue-full) and queues the request for
 * tokenising, interactive first, so it never waits behind a flood of batch work. An idle instance, if there is one,
 * tokenises it itself (one thread hand-off in all); otherwise the tokenizer thread does, at once or in bulk. Tokenising
 * refuses texts longer than a static shape allows and queues one item per text in its class, in fair order between
 * tenants, signalling one waiting instance; a free instance asks {@link Batcher#decide} what to do — dispatch, drop
 * expired items, or wait — and runs the batch outside the lock; the request's future completes when its last item is
 * answered, in text order.
 * An interactive item arriving at an idle lane with a zero delay is dispatched by the instance it wakes, with no
 * polling and no sleeping in between.
 *
 * <pre>{@code
 * LaneExecutor ex = LaneExecutor.start(config, List.of(new Placement("hk-gpu0", List.of("cuda", "cpu"))), models, otel);
 * ex.submit(new EmbedRequest(ModelKey.parse("all-minilm-l6-v2:int8"), List.of("hello"), deadline, Priority.INTERACTIVE))
 *     .thenAccept(r -> System.out.println(r.vectors()[0].length));
 * ex.drainAndClose(30_000);
 * }</pre>
 *
 * <p>Threads: {@link #submit} is called from any thread (the gateway's event loop included) and does not wait for
 * work; futures complete on the executor the submitter names ({@link #submit(EmbedRequest, Executor)}), or on the
 * tokenizer thread, an instance thread or the watchdog's. Ownership: once {@code submit}
 * returns a future, the executor owns the request until it completes that future, normally or with an
 * {@link ExecutorException}; cancelling the future hands the request back and frees its queued items.
 */
public final class LaneExecutor implements AutoCloseable {
  /** Completes a future on whichever executor thread answers it (tokenizer, instance or watchdog). */
  public static final Executor IN_PLACE = Runnable::run;

  private final ExecutorContext lane;
  private final Set<ModelKey> models;
  private final InFlight inFlight = new InFlight();
  private final LaneQueue queue;
  private final QueueAdmission admission;
  private final TokenizerStage tokenizer;
  private final List<Instance> instances = new ArrayList<>();
  private final List<DeviceProvider> providers = new ArrayList<>();
  /** One session per device and model variant, shared by the device's instances; set once by {@link #start}. */
  private DeviceSessions sessions;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The deadline check of executing batches; registered once the instances exist. */
  private volatile Watchdog.Registration watchdog = () -> { };

  private LaneExecutor(ExecutorConfig config, int instanceCount, List<ExecutorModel> models, LongSupplier clock,
      OpenTelemetry otel) {
    Set<ModelKey> keys = new LinkedHashSet<>();
    for (ExecutorModel m : models) {
      if (!keys.add(m.key())) throw new IllegalArgumentException("models: " + m.key() + " twice (expected: once)");
    }
    this.models = Set.copyOf(keys);
    ExecutorStats stats = new ExecutorStats();
    Slots slots = new Slots(inFlight);
    ExecutorTelemetry telemetry = new ExecutorTelemetry(otel, config.name(), config.region(), slots::held,
        stats.failedBatches::get);
    this.lane = new ExecutorContext(config, new Batcher(config.batching()), clock, slots, stats, telemetry,
        new CostLedger(keys, instanceCount), new DeviceMemory());
    this.queue = new LaneQueue(lane);
    this.admission = new QueueAdmission(lane, queue);
    try {
      this.tokenizer = new TokenizerStage(lane, queue, models);
    } catch (RuntimeException e) {
      telemetry.close();
      throw e;
    }
  }

  /**
   * Opens every session on every device (one per device and model variant, shared by the device's instances; in
   * parallel, see {@link DeviceSessions}), runs one warm-up batch on each, and starts the tokenizer and instance
   * threads. Blocks until all are warm.
   */
  public static LaneExecutor start(
      ExecutorConfig config, List<Placement> devices, List<ExecutorModel> models, OpenTelemetry otel) {
    return start(config, devices, models, otel, SharedSessions.none());
  }

  /** As {@link #start(ExecutorConfig, List, List, OpenTelemetry)}, sharing sessions through {@code share}. */
  public static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<ExecutorModel> models,
      OpenTelemetry otel, SharedSessions share) {
    return start(config, devices, models, System::nanoTime, otel, share);
  }

  /** With {@link OpenTelemetry#noop()}. */
  public static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<ExecutorModel> models) {
    return start(config, devices, models, OpenTelemetry.noop());
  }

  static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<ExecutorModel> models,
      LongSupplier clock, OpenTelemetry otel) {
    return start(config, devices, models, clock, otel, SharedSessions.none());
  }

  static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<ExecutorModel> models,
      LongSupplier clock, OpenTelemetry otel, SharedSessions share) {
    if (devices.isEmpty()) throw new IllegalArgumentException("devices: empty (expected: at least one)");
    if (models.isEmpty()) throw new IllegalArgumentException("models: empty (expected: at least one)");
    // the lane (its tokenizers load: 0.1-0.3 s a lane here) is made on a thread of its own while its sessions open
    CompletableFuture<LaneExecutor> made = new CompletableFuture<>();
    Thread.ofPlatform().name("laneway-" + config.name() + "-make").daemon(true).start(() -> {
      try {
        made.complete(new LaneExecutor(config, devices.size() * config.instancesPerDevice(), models, clock, otel));
      } catch (Throwable t) {
        made.completeExceptionally(t);
      }
    });
    DeviceSessions opened;
    try {
      opened = DeviceSessions.open(config, devices, models, share,
          made.thenApply(e -> new DeviceSessions.Warmer(e.lane, e.tokenizer)));
    } catch (RuntimeException e) {
      LaneExecutor half = made.exceptionally(t -> null).join();
      if (half == null) throw made.handle((x, t) -> t instanceof RuntimeException r ? r : e).join();
      half.close();
      throw e;
    }
    LaneExecutor ex = made.join(); // made: every session was warmed with its tokenizers
    try {
      ex.sessions = opened;
      int index = 0;
      for (Placement p : devices) {
        for (int i = 0; i < config.instancesPerDevice(); i++) {
          Instance inst = new Instance(ex.lane, ex.queue, ex.tokenizer, ex.sessions.of(p.device()), p, i, index++);
          ex.instances.add(inst);
          if (i == 0) ex.providers.add(inst.provider);
        }
      }
    } catch (RuntimeException e) {
      ex.close();
      throw e;
    }
    ex.lane.telemetry().started(ex.sessions.loadNanos(), ex.sessions.coldStarts());
    ex.watchdog = Watchdog.register(new ExecutingDeadlines(ex.lane, ex.instances));
    ex.tokenizer.start();
    ex.instances.forEach(Instance::start);
    return ex;
  }

  /**
   * Keeps ONNX Runtime's optimized models in {@code dir} across sessions and starts (see
   * {@link dev.laneway.runtime.SessionCache}); null: every session optimizes its model. For every executor of the
   * process; set before they start.
   */
  public static void keepSessionsIn(java.nio.file.Path dir) {
    keepSessionsIn(dir, true);
  }

  /**
   * As {@link #keepSessionsIn(java.nio.file.Path)}; {@code write} false: sessions load the optimized models {@code dir}
   * holds and write none (another process writes them: {@link dev.laneway.runtime.SessionCache#useDirectory(
   * java.nio.file.Path, boolean)}).
   */
  public static void keepSessionsIn(java.nio.file.Path dir, boolean write) {
    dev.laneway.runtime.SessionCache.useDirectory(dir, write);
  }

  /**
   * Loads ONNX Runtime's and the tokenizers' native libraries on a thread of their own, so that the first executor to
   * start finds them loaded ({@link dev.laneway.runtime.NativeLibraries#preloadInBackground}); returns at once.
   */
  public static void preloadNativesInBackground() {
    dev.laneway.runtime.NativeLibraries.preloadInBackground();
  }

  /**
   * The most rows one execution may allocate on each device ({@link Integer#MAX_VALUE}: no limit): a batch above it
   * fails to allocate, and the instance splits it and retries the halves (the {@code oom} fault). Any thread.
   */
  public void limitRows(java.util.function.ToIntFunction<String> maxRowsByDevice) {
    lane.memory().limitRows(maxRowsByDevice);
  }

  /**
   * Accepts a request's texts. Never blocks.
   *
   * @return a future completed with the vectors in text order, or with an {@link ExecutorException}: queue full (at
   *     once), input too long, deadline exceeded, execution failed, shutting down; cancelling it frees the request's
   *     queued items
   */
  public CompletableFuture<EmbedResult> submit(EmbedRequest request) {
    return submit(request, IN_PLACE);
  }

  /**
   * As {@link #submit(EmbedRequest)}, with the future completed on {@code completion} (its continuations run there):
   * an instance hands a batch's answers to each completion executor in one task ({@code Completions}), so a caller on
   * an event loop passes an executor that runs tasks on it, the same object for every request from that loop, and
   * the loop is woken once per batch. {@link #IN_PLACE} completes on the executor's own thread. A refusal at submit
   * is a failed future returned in place.
   */
  public CompletableFuture<EmbedResult> submit(EmbedRequest request, Executor completion) {
    java.util.Objects.requireNonNull(completion, "completion");
    if (!queue.accepting()) {
      return CompletableFuture.failedFuture(new ExecutorException.ShuttingDown(lane.name() + " is shutting down"));
    }
    if (!models.contains(request.modelKey())) {
      return CompletableFuture.failedFuture(
          new ExecutorException.UnknownModel(request.modelKey() + " is not loaded on " + lane.name()));
    }
    return admission.submit(request, completion);
  }

  /**
   * The expected time before a request of class {@code p} submitted now starts computing: the work queued ahead of it
   * (its own class and every more urgent one, tokenised or not) and half of what is running, over the lane's
   * instances. From the measured cost per padded token of each model; 0 on an idle lane.
   */
  public long expectedWaitNanos(Priority p) {
    return queue.expectedWaitNanos(p);
  }

  /**
   * The expected time from submit to answer for a request of class {@code p} with {@code texts} texts: the wait
   * ({@link #expectedWaitNanos}) plus its own compute (a batch of its texts at their typical length).
   */
  public long expectedCompletionNanos(Priority p, int texts) {
    return expectedWaitNanos(p) + lane.costs().batchOf(texts);
  }

  /** Items held for a class: queued, or waiting for the tokenizer. */
  public int queueDepth(Priority p) {
    return queue.depth(p);
  }

  /** Items held now: being tokenised or queued (not yet running). */
  public int queueDepth() {
    return lane.slots().held();
  }

  /** Tokenised items queued in class {@code p}, not counting requests still waiting for the tokenizer (tests). */
  int tokenisedQueued(Priority p) {
    return queue.tokenised(p);
  }

  /** Tenants class {@code p}'s fair queueing remembers now (tests: its per-tenant state is bounded). */
  int tenantsRemembered(Priority p) {
    return queue.tenantsRemembered(p);
  }

  /** Items accepted and not yet answered (queued or running). */
  public int inFlight() {
    return (int) inFlight.count();
  }

  /**
   * Waits until every accepted item is answered, or {@code timeout} passes (what drain does, without closing).
   *
   * @return true when nothing is in flight
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return inFlight.awaitZero(timeout);
  }

  /** Pooled native buffers handed out across every instance's sessions: zero between batches. */
  public int nativeBuffersInUse() {
    DeviceSessions s = sessions;
    return s == null ? 0 : s.buffersInUse();
  }

  /**
   * The tokens the lane would compute for these texts with the variant's tokenizer (special tokens included, after
   * truncation): a request's exact cost, which the gateway's tenant limits charge before the request is sent here.
   * Any thread; costs one tokenisation per text. -1 when the lane does not load {@code key}.
   */
  public long countTokens(ModelKey key, List<String> texts) {
    if (!models.contains(key)) return -1;
    long n = 0;
    for (String t : texts) n += tokenizer.encode(key, t).length();
    return n;
  }

  /**
   * ONNX Runtime calls made so far by input shape ({@code "4x16"}: rows x padded length), over every instance: the
   * shapes batches actually ran in, warm-up included (tests). A session shared with another lane ({@link
   * SharedSessions}) counts that lane's calls too.
   */
  public Map<String, Long> sessionRuns() {
    return sessions.runShapes();
  }

  /**
   * How long each model took to become ready on this lane: the longest session open + warm-up batch among its
   * devices, in nanoseconds. Fixed once {@link #start} returns.
   */
  public Map<ModelKey, Long> loadNanos() {
    return Map.copyOf(sessions.loadNanos());
  }

  /** Sessions opened cold at start per model (one per device). Fixed once {@link #start} returns. */
  public Map<ModelKey, Integer> coldStarts() {
    return Map.copyOf(sessions.coldStarts());
  }

  /** The model variants loaded. */
  public Set<ModelKey> models() {
    return models;
  }

  public ExecutorStats stats() {
    return lane.stats();
  }

  /** The provider chosen for each device, in placement order. */
  public List<DeviceProvider> providers() {
    return List.copyOf(providers);
  }

  public ExecutorConfig config() {
    return lane.config();
  }

  /** Stops taking new work; what is accepted still runs, without waiting out batch windows. */
  public void stopAccepting() {
    queue.stopAccepting();
  }

  /**
   * Stops taking work, waits up to {@code timeoutMillis} for accepted items to be answered (on the in-flight gate:
   * no polling), then {@link #close closes}: whatever is still queued then fails with
   * {@link ExecutorException.ShuttingDown}. Every accepted future is complete, or handed to its completion executor,
   * when this returns.
   */
  public void drainAndClose(long timeoutMillis) {
    stopAccepting();
    inFlight.awaitZero(timeoutMillis);
    close();
  }

  /**
   * Stops the threads and fails whatever is still queued or waiting for the tokenizer with
   * {@link ExecutorException.ShuttingDown}; a batch already running is answered before its instance stops. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    queue.stop();
    tokenizer.stop();
    watchdog.close();
    queue.failWhatIsLeft();
    for (Instance inst : instances) inst.thread.interrupt();
    for (Instance inst : instances) {
      try {
        if (inst.thread.isAlive()) inst.thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inst.close();
    }
    if (sessions != null) sessions.close();
    tokenizer.close();
    lane.telemetry().close();
  }
}
