package dev.laneway.executor;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.EncoderSpec;
import dev.laneway.runtime.ProviderChoice;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One lane's executor: a tokenizer thread, a queue per latency class, the {@link Batcher}'s decision, and instance
 * threads that each own one {@link EncoderSession} per model variant and only compute.
 *
 * <p>Life of an item: {@link #submit} reserves queue slots (or refuses with queue-full) and queues the request for
 * tokenising, interactive first, so it never waits behind a flood of batch work. An idle instance, if there is one,
 * tokenises it itself (one thread hand-off in all); otherwise the lane's tokenizer thread does, so that busy instances
 * only compute: at once while less than a batch of at-least-as-urgent work is ready, else in bulk each time an instance
 * takes a batch (one wake-up per batch rather than per request under saturation). Tokenising (a {@code tokenize} span)
 * refuses texts longer than a static shape allows and appends one item per text to its class's queue, signalling one
 * waiting instance; a free instance asks {@link Batcher#decide} what to do — dispatch, drop expired items, or wait —
 * and runs the batch outside the lock (a {@code batch} span); the request's future completes when its last item is
 * answered, in text order. An interactive item arriving at an idle lane with a zero delay is dispatched by the
 * instance it wakes, with no polling and no sleeping in between.
 *
 * <p>Threads: {@link #submit} is called from any thread (the gateway's event loop included) and does not wait for
 * work (it holds the queue lock only to add the request); futures complete on the tokenizer thread or an instance
 * thread. Ownership: once {@code submit} returns a future,
 * the executor owns the request until it completes that future, normally or with an {@link ExecutorException};
 * cancelling the future hands the request back and frees its queued items. Completions, drops and span work happen
 * outside the queue lock.
 */
public final class LaneExecutor implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LaneExecutor.class.getName());

  private final ExecutorConfig config;
  private final Batcher batcher;
  private final Map<String, EncoderSpec> specs;
  private final Map<String, Tokenizer> tokenizers;
  private final LongSupplier clock;
  private final ExecutorTelemetry telemetry;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final EnumMap<Priority, ArrayList<Item>> queues = new EnumMap<>(Priority.class);
  /** Requests waiting to be tokenised, most urgent class first, then in arrival order. Guarded by {@link #lock}. */
  private final PriorityQueue<Pending> toTokenize = new PriorityQueue<>(64,
      Comparator.comparing((Pending p) -> p.request.priority()).thenComparingLong(p -> p.sequence));
  /** Signalled when a request waits for the tokenizer thread and no instance is idle. */
  private final Condition tokenizerWork = lock.newCondition();
  /** Instances waiting for work. Guarded by {@link #lock}. */
  private int idleInstances;
  private final AtomicLong sequence = new AtomicLong();
  private final Thread tokenizerThread;
  private final List<Instance> instances = new ArrayList<>();
  private final Map<String, ProviderChoice> providers = new LinkedHashMap<>();
  /** Items holding a queue slot: being tokenised or queued. */
  private final AtomicInteger slots = new AtomicInteger();
  /** Items accepted and not yet answered. */
  private final AtomicInteger inFlightItems = new AtomicInteger();
  private final ExecutorStats stats = new ExecutorStats();
  private final Batcher.QueueView<Item> view;
  /** Model key → the longest open + warm-up of that model among the instances (nanos); written only in start. */
  private final Map<String, Long> loadNanos = new java.util.concurrent.ConcurrentHashMap<>();
  /** Model key → sessions opened cold (one per instance and device); written only in start. */
  private final Map<String, Integer> coldStarts = new java.util.concurrent.ConcurrentHashMap<>();
  /** Model key → what computing costs on this lane for that model; written by instance threads. */
  private final Map<String, CostModel> costs;
  /** Every model together: per-item and per-batch costs for estimates that do not know the model. */
  private final CostModel laneCost = new CostModel();
  /** Per class: expected compute of the items queued (nanos, from {@link #costs} at queueing). */
  private final AtomicLongArray queuedCost = new AtomicLongArray(Priority.values().length);
  /** Per class: texts accepted and waiting for the tokenizer. */
  private final AtomicIntegerArray untokenised = new AtomicIntegerArray(Priority.values().length);
  /** Expected compute of the batches running now (nanos). */
  private final AtomicLong runningCost = new AtomicLong();
  /** The deadline check of executing batches; registered once the instances exist. */
  private volatile Watchdog.Registration watchdog = () -> { };
  private volatile boolean accepting = true;
  private volatile boolean stopped;

  private LaneExecutor(ExecutorConfig config, List<EncoderSpec> models, LongSupplier clock, OpenTelemetry otel) {
    this.config = config;
    this.batcher = new Batcher(config.batching());
    this.clock = clock;
    for (Priority p : Priority.values()) {
      queues.put(p, new ArrayList<>());
    }
    Map<String, EncoderSpec> s = new LinkedHashMap<>();
    Map<String, Tokenizer> t = new HashMap<>();
    for (EncoderSpec spec : models) {
      s.put(spec.key(), spec);
      t.put(spec.key(), Tokenizer.load(spec));
    }
    this.specs = Map.copyOf(s);
    this.tokenizers = Map.copyOf(t);
    Map<String, CostModel> c = new HashMap<>();
    for (String key : s.keySet()) c.put(key, new CostModel());
    this.costs = Map.copyOf(c);
    this.telemetry = new ExecutorTelemetry(otel, config.name(), config.region(), slots::get);
    this.view = new Batcher.QueueView<>() {
      @Override
      public List<Item> queued(Priority priority) {
        return queues.get(priority);
      }

      @Override
      public boolean flushing() {
        return !accepting;
      }
    };
    this.tokenizerThread =
        Thread.ofPlatform().name("laneway-" + config.name() + "-tokenizer").daemon(true).unstarted(this::tokenizeLoop);
  }

  /**
   * Opens every session on every device (one per instance and model variant), runs one warm-up batch on each, and
   * starts the tokenizer and instance threads. Blocks until all are warm.
   */
  public static LaneExecutor start(
      ExecutorConfig config, List<Placement> devices, List<EncoderSpec> models, OpenTelemetry otel) {
    return start(config, devices, models, System::nanoTime, otel);
  }

  /** With {@link OpenTelemetry#noop()}. */
  public static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<EncoderSpec> models) {
    return start(config, devices, models, OpenTelemetry.noop());
  }

  static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<EncoderSpec> models,
      LongSupplier clock, OpenTelemetry otel) {
    if (devices.isEmpty()) throw new IllegalArgumentException("devices: empty (expected: at least one)");
    if (models.isEmpty()) throw new IllegalArgumentException("models: empty (expected: at least one)");
    LaneExecutor ex = new LaneExecutor(config, models, clock, otel);
    try {
      int index = 0;
      for (Placement p : devices) {
        for (int i = 0; i < config.instancesPerDevice(); i++) {
          Instance inst = ex.new Instance(p, i, index++);
          ex.instances.add(inst);
          ex.providers.putIfAbsent(p.device(), inst.provider);
        }
      }
    } catch (RuntimeException e) {
      ex.close();
      throw e;
    }
    ex.watchdog = Watchdog.register(ex::expireExecuting);
    ex.tokenizerThread.start();
    for (Instance inst : ex.instances) {
      inst.thread.start();
    }
    return ex;
  }

  /**
   * Accepts a request's texts. Never blocks.
   *
   * @return a future completed with the vectors in text order, or with an {@link ExecutorException}: queue full (at
   *     once), input too long, deadline exceeded, execution failed, shutting down; cancelling it frees the request's
   *     queued items
   */
  public CompletableFuture<EmbedResult> submit(EmbedRequest request) {
    if (!accepting) {
      return CompletableFuture.failedFuture(new ExecutorException.ShuttingDown(config.name() + " is shutting down"));
    }
    if (!tokenizers.containsKey(request.modelKey())) {
      return CompletableFuture.failedFuture(
          new ExecutorException.UnknownModel(request.modelKey() + " is not loaded on " + config.name()));
    }
    int n = request.texts().size();
    Priority priority = request.priority();
    long now = clock.getAsLong();
    if (request.deadlineNanos() != Long.MAX_VALUE) {
      long remaining = request.deadlineNanos() - now;
      if (remaining <= 0) {
        stats.expired.addAndGet(n);
        telemetry.dropped(request.modelKey(), null, "deadline", n);
        return CompletableFuture.failedFuture(new ExecutorException.DeadlineExceeded(
            config.name() + ": the deadline had passed when the request reached the lane"));
      }
      long wait = expectedWaitNanos(priority);
      if (wait > remaining) {
        stats.rejected.addAndGet(n);
        telemetry.dropped(request.modelKey(), null, "would_miss_deadline", n);
        return CompletableFuture.failedFuture(new ExecutorException.QueueFull(config.name() + ": the "
            + priority.wireName() + " work queued ahead would take ~" + TimeUnit.NANOSECONDS.toMillis(wait)
            + " ms, longer than the request's deadline (" + TimeUnit.NANOSECONDS.toMillis(remaining) + " ms left)",
            ExecutorException.QueueFull.Reason.DEADLINE, wait));
      }
    }
    int limit = admissionLimit(priority);
    boolean shed = false;
    int held;
    do {
      held = slots.get();
      if (held + n > limit) {
        if (!shed && shedFor(priority, n, limit)) {
          shed = true; // lower-class work made room: try once more
          continue;
        }
        stats.rejected.addAndGet(n);
        telemetry.dropped(request.modelKey(), null, "queue_full", n);
        return CompletableFuture.failedFuture(new ExecutorException.QueueFull(
            config.name() + ": queue full (" + held + " items held, " + n + " more asked; " + limit + " of max_queue_size "
                + config.maxQueueSize() + " open to the " + priority.wireName() + " class)",
            ExecutorException.QueueFull.Reason.FULL, expectedWaitNanos(priority)));
      }
    } while (!slots.compareAndSet(held, held + n));
    inFlightItems.addAndGet(n);
    Pending pending = new Pending(request, now, sequence.getAndIncrement());
    pending.future.whenComplete((r, e) -> {
      if (pending.future.isCancelled()) cancelled(pending);
    });
    lock.lock();
    try {
      toTokenize.add(pending);
      untokenised.addAndGet(priority.ordinal(), n);
      if (idleInstances > 0) {
        work.signal(); // an idle instance tokenises and dispatches it itself: one hand-off
      }
      if (toTokenize.size() > idleInstances && !enoughReady(request.priority())) {
        tokenizerWork.signal(); // more to tokenise than idle instances (woken ones may not have run yet)
      }
    } finally {
      lock.unlock();
    }
    return pending.future;
  }

  /**
   * True when a full batch of work at least as urgent as {@code p} is already tokenised and queued: a request of class
   * {@code p} arriving now cannot run before that batch, so it need not be tokenised at once. It waits for the tokenizer
   * thread's next bulk pass, which {@link #take} starts each time an instance takes a batch (or for an instance that
   * finds nothing to run). Under saturation this turns one tokenizer wake-up per request, each preempting a computing
   * instance on a machine with as many cores as instances, into one per batch, tokenising everything that arrived
   * meanwhile; at light load, or for a request more urgent than what is queued, nothing changes. Holds the lock.
   */
  private boolean enoughReady(Priority p) {
    int ready = 0;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) > 0) break;
      ready += queues.get(q).size();
    }
    return ready >= config.batching().maxBatchSize();
  }

  /**
   * How many held items a request of this class may find and still be admitted: its share of {@code max_queue_size}
   * ({@link ClassShares}; by default batch 3/4, standard 7/8), so that a flood of background work never gets an
   * interactive request refused as queue-full.
   */
  int admissionLimit(Priority p) {
    return config.shares().limit(p, config.maxQueueSize());
  }

  /**
   * Makes room for {@code n} items of class {@code p} by dropping queued work of less urgent classes, least urgent
   * class first and newest request first (it has waited least), whole requests at a time: requests still waiting for
   * the tokenizer, then tokenised ones. Drops nothing unless that frees enough. Each dropped request fails with
   * {@link ExecutorException.QueueFull} ({@code SHED}). Called by a submitter holding no lock.
   *
   * @return whether enough was freed
   */
  private boolean shedFor(Priority p, int n, int limit) {
    if (p == Priority.lowest()) return false;
    List<Pending> victims = new ArrayList<>();
    int freed = 0;
    lock.lock();
    try {
      int need = slots.get() + n - limit;
      if (need <= 0) return true;
      int available = 0;
      for (Priority q : Priority.values()) {
        if (q.compareTo(p) > 0) available += untokenised.get(q.ordinal()) + queues.get(q).size();
      }
      if (available < need) return false;
      Priority[] classes = Priority.values();
      for (int c = classes.length - 1; c >= 0 && freed < need; c--) {
        Priority q = classes[c];
        if (q.compareTo(p) <= 0) break;
        while (freed < need) {
          Pending newest = null;
          for (Pending w : toTokenize) {
            if (w.request.priority() == q && (newest == null || w.sequence > newest.sequence)) newest = w;
          }
          if (newest == null) break;
          toTokenize.remove(newest);
          int texts = newest.request.texts().size();
          untokenised.addAndGet(q.ordinal(), -texts);
          freed += texts;
          victims.add(newest);
        }
        ArrayList<Item> queue = queues.get(q);
        while (freed < need && !queue.isEmpty()) {
          // newest by arrival (requests tokenised by two threads may have queued out of order)
          Pending newest = queue.getFirst().pending;
          for (Item item : queue) {
            if (item.pending.sequence > newest.sequence) newest = item.pending;
          }
          Pending victim = newest;
          freed += unqueue(q, item -> item.pending == victim);
          victims.add(victim);
        }
      }
    } finally {
      lock.unlock();
    }
    release(freed, true);
    for (Pending v : victims) {
      int texts = v.request.texts().size();
      stats.shed.addAndGet(texts);
      telemetry.dropped(v.request.modelKey(), null, "shed", texts);
      v.fail(new ExecutorException.QueueFull(config.name() + ": shed to admit " + p.wireName() + " work (the "
          + v.request.priority().wireName() + " class's queued work is dropped first when the lane is full)",
          ExecutorException.QueueFull.Reason.SHED, expectedWaitNanos(v.request.priority())));
    }
    return true;
  }

  /**
   * The expected time before a request of class {@code p} submitted now starts computing: the work queued ahead of it
   * (its own class and every more urgent one, tokenised or not) and half of what is running, over the lane's
   * instances. From the measured cost per padded token of each model; 0 on an idle lane.
   */
  public long expectedWaitNanos(Priority p) {
    long work = runningCost.get() / 2;
    int texts = 0;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) > 0) break;
      work += queuedCost.get(q.ordinal());
      texts += untokenised.get(q.ordinal());
    }
    work += texts * laneCost.typicalItemNanos();
    return Math.max(0, work) / Math.max(1, instances.size());
  }

  /**
   * The expected time from submit to answer for a request of class {@code p} with {@code texts} texts: the wait
   * ({@link #expectedWaitNanos}) plus its own compute (a batch of its texts at their typical length).
   */
  public long expectedCompletionNanos(Priority p, int texts) {
    return expectedWaitNanos(p) + laneCost.batchOf(texts);
  }

  /** Items held for a class: queued, or waiting for the tokenizer. */
  public int queueDepth(Priority p) {
    lock.lock();
    try {
      return queues.get(p).size() + untokenised.get(p.ordinal());
    } finally {
      lock.unlock();
    }
  }

  /** The most items one batch holds (max_batch_size, within the largest static batch size). */
  private int maxRows() {
    List<Integer> s = config.batching().staticBatchSizes();
    return s.isEmpty() ? config.batching().maxBatchSize() : Math.min(config.batching().maxBatchSize(), s.getLast());
  }

  /** Items held now: being tokenised or queued (not yet running). */
  public int queueDepth() {
    return slots.get();
  }

  /** Items accepted and not yet answered (queued or running). */
  public int inFlight() {
    return inFlightItems.get();
  }

  /** Pooled native buffers handed out across every instance's sessions: zero between batches. */
  public int nativeBuffersInUse() {
    int n = 0;
    for (Instance inst : instances) {
      for (EncoderSession s : inst.sessions.values()) n += s.buffersInUse();
    }
    return n;
  }

  /**
   * How long each model took to become ready on this lane: model key ({@code model:variant}) → the longest session
   * open + warm-up batch among its instances, in nanoseconds. Fixed once {@link #start} returns.
   */
  public Map<String, Long> loadNanos() {
    return Map.copyOf(loadNanos);
  }

  /** Model key → sessions opened cold at start (one per instance per device). Fixed once {@link #start} returns. */
  public Map<String, Integer> coldStarts() {
    return Map.copyOf(coldStarts);
  }

  public ExecutorStats stats() {
    return stats;
  }

  /** The provider chosen for each device, in placement order. */
  public Map<String, ProviderChoice> providers() {
    return Map.copyOf(providers);
  }

  public ExecutorConfig config() {
    return config;
  }

  /** Tokenises with the variant's tokenizer (thread-safe); for token counts and cache keys outside a batch. */
  public Tokens tokenize(String modelKey, String text) {
    Tokenizer t = tokenizers.get(modelKey);
    if (t == null) throw new ExecutorException.UnknownModel(modelKey + " is not loaded on " + config.name());
    return t.encode(text);
  }

  /** Stops taking new work; what is accepted still runs, without waiting out batch windows. */
  public void stopAccepting() {
    accepting = false;
    lock.lock();
    try {
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops taking work, waits up to {@code timeoutMillis} for accepted items to finish, then stops the threads and
   * fails whatever is still queued with {@link ExecutorException.ShuttingDown}.
   */
  public void drainAndClose(long timeoutMillis) {
    stopAccepting();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (inFlightItems.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
  }

  @Override
  public void close() {
    accepting = false;
    stopped = true;
    tokenizerThread.interrupt();
    try {
      if (tokenizerThread.isAlive()) tokenizerThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.close();
    List<Pending> untokenisedLeft = new ArrayList<>();
    List<Item> left = new ArrayList<>();
    lock.lock();
    try {
      stopped = true;
      untokenisedLeft.addAll(toTokenize);
      toTokenize.clear();
      for (Priority p : Priority.values()) {
        untokenised.set(p.ordinal(), 0);
        queuedCost.set(p.ordinal(), 0);
      }
      for (ArrayList<Item> q : queues.values()) {
        left.addAll(q);
        q.clear();
      }
      work.signalAll();
    } finally {
      lock.unlock();
    }
    for (Pending p : untokenisedLeft) {
      release(p.request.texts().size(), true);
      p.fail(new ExecutorException.ShuttingDown(config.name() + " closed before this request ran"));
    }
    for (Item item : left) {
      release(1, true);
      item.pending.fail(new ExecutorException.ShuttingDown(config.name() + " closed before this item ran"));
    }
    for (Instance inst : instances) {
      inst.thread.interrupt();
    }
    for (Instance inst : instances) {
      try {
        if (inst.thread.isAlive()) inst.thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inst.close();
    }
    for (Tokenizer t : tokenizers.values()) {
      t.close();
    }
    telemetry.close();
  }

  /** Gives back {@code n} items' slots (when {@code slot}) and in-flight counts. */
  private void release(int n, boolean slot) {
    if (slot) slots.addAndGet(-n);
    inFlightItems.addAndGet(-n);
  }

  /**
   * The tokenizer thread: tokenises each request, then queues its items. It does the tokenising while every instance
   * is busy, so that instances only compute under load; an idle instance tokenises for itself (see {@link #next}).
   */
  private void tokenizeLoop() {
    while (!stopped) {
      Pending p;
      lock.lock();
      try {
        while ((p = pollToTokenize()) == null && !stopped) {
          tokenizerWork.await();
        }
      } catch (InterruptedException e) {
        continue;
      } finally {
        lock.unlock();
      }
      if (p != null) tokenizeAndQueue(p, true);
    }
  }

  /** The next request to tokenise, most urgent first, its texts no longer counted as untokenised. Holds the lock. */
  private Pending pollToTokenize() {
    Pending p = toTokenize.poll();
    if (p != null) untokenised.addAndGet(p.request.priority().ordinal(), -p.request.texts().size());
    return p;
  }

  /**
   * Tokenises a request and queues its items; {@code wake}: signal an instance (the tokenizer thread does; an
   * instance tokenising for itself goes on to decide and need not wake another).
   */
  private void tokenizeAndQueue(Pending p, boolean wake) {
    EmbedRequest r = p.request;
    int n = r.texts().size();
    if (p.future.isDone()) { // cancelled before tokenisation: its cancel hook found nothing queued
      release(n, true);
      stats.cancelled.addAndGet(n);
      telemetry.dropped(r.modelKey(), null, "cancelled", n);
      return;
    }
    Span span = telemetry.startTokenize(r.context(), r.modelKey(), n);
    Tokenizer tokenizer = tokenizers.get(r.modelKey());
    CostModel cost = costs.get(r.modelKey());
    Item[] items = new Item[n];
    long itemsCost = 0;
    int limit = config.batching().maxItemTokens();
    try {
      for (int i = 0; i < n; i++) {
        Tokens t = tokenizer.encode(r.texts().get(i));
        if (t.length() > limit) {
          release(n, true);
          span.setStatus(StatusCode.ERROR, "input too long");
          p.fail(new ExecutorException.InputTooLong(
              config.name() + ": text " + i + " has " + t.length() + " tokens (expected: <= " + limit
                  + ", the lane's largest static_sequence_lengths)"));
          return;
        }
        items[i] = new Item(p, i, t, cost.itemNanos(batcher.paddedLength(t.length())));
        itemsCost += items[i].cost;
      }
    } catch (RuntimeException e) {
      release(n, true);
      span.recordException(e);
      p.fail(new ExecutorException.ExecutionFailed(config.name() + ": tokenisation failed: " + e.getMessage(), e));
      return;
    } finally {
      span.end();
    }
    boolean closed;
    lock.lock();
    try {
      closed = stopped;
      if (!closed) {
        ArrayList<Item> q = queues.get(r.priority());
        for (Item item : items) q.add(item);
        queuedCost.addAndGet(r.priority().ordinal(), itemsCost);
        p.queued = true;
        if (wake) work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (closed) { // close() already failed what was queued; this request was being tokenised meanwhile
      release(n, true);
      p.fail(new ExecutorException.ShuttingDown(config.name() + " closed before this request ran"));
      return;
    }
    if (p.future.isCancelled()) cancelled(p); // the hook may have run before the items were queued
  }

  /** Cancel hook (any thread): removes the request's queued items and frees their slots. */
  private void cancelled(Pending p) {
    int removed = 0;
    lock.lock();
    try {
      if (!p.queued) return; // still with the tokenizer, which frees it
      removed = unqueue(p.request.priority(), i -> i.pending == p);
    } finally {
      lock.unlock();
    }
    if (removed > 0) {
      release(removed, true);
      stats.cancelled.addAndGet(removed);
      telemetry.dropped(p.request.modelKey(), null, "cancelled", removed);
    }
  }

  /** What an instance takes off the queue: a batch to run, or expired items to fail. Caller holds no lock. */
  private Batcher.Decision<Item> next() throws InterruptedException {
    lock.lock();
    try {
      while (!stopped) {
        Batcher.Decision<Item> d = batcher.decide(view, clock.getAsLong());
        switch (d) {
          case Batcher.Dispatch<Item> dispatch -> {
            take(dispatch.priority(), dispatch.items());
            return d;
          }
          case Batcher.Drop<Item> drop -> {
            for (Priority p : Priority.values()) take(p, drop.expired());
            return d;
          }
          case Batcher.Wait<Item> w -> {
            Pending p = pollToTokenize();
            if (p != null) { // nothing to run yet: tokenise a waiting request here rather than hand it off
              lock.unlock();
              try {
                tokenizeAndQueue(p, false);
              } finally {
                lock.lock();
              }
              continue;
            }
            idleInstances++;
            try {
              if (w.nanos() == Long.MAX_VALUE) {
                work.await();
              } else {
                work.awaitNanos(w.nanos());
              }
            } finally {
              idleInstances--;
            }
          }
        }
      }
      return new Batcher.Wait<>(0);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes {@code items} from the class's queue. The calling instance is about to leave the queue (to compute or to
   * fail expired items), so whatever work is left is handed on: queued items to another instance, requests still to
   * tokenise to an idle instance or else the tokenizer thread. Holds the lock.
   */
  private void take(Priority p, List<Item> items) {
    IdentityHashMap<Item, Boolean> set = new IdentityHashMap<>();
    for (Item i : items) set.put(i, Boolean.TRUE);
    unqueue(p, set::containsKey);
    boolean queued = false;
    for (ArrayList<Item> q : queues.values()) {
      queued |= !q.isEmpty();
    }
    if (queued || (!toTokenize.isEmpty() && idleInstances > 0)) {
      work.signal();
    }
    if (!toTokenize.isEmpty() && idleInstances == 0) {
      tokenizerWork.signal();
    }
  }

  /**
   * The watchdog's tick (its own thread): a request whose deadline passes while its batch is still executing is
   * answered at once with {@link ExecutorException.DeadlineExceeded} ({@code executing}, with how long the batch has
   * run and what the lane expected), not whenever the batch returns, which may be never on a device that hangs. The
   * batch's other items are unaffected; its late vectors go nowhere.
   */
  private void expireExecuting() {
    long now = clock.getAsLong();
    for (Instance inst : instances) {
      Running r = inst.running;
      if (r == null) continue;
      for (Item item : r.items()) {
        Pending p = item.pending;
        if (now < p.request.deadlineNanos() || p.future.isDone()) continue;
        long ran = now - r.startNanos();
        stats.expired.incrementAndGet();
        telemetry.dropped(p.request.modelKey(), inst.placement.device(), "deadline", 1);
        p.fail(new ExecutorException.DeadlineExceeded("deadline passed after " + TimeUnit.NANOSECONDS.toMillis(ran)
            + " ms executing on " + inst.placement.device() + " of " + config.name() + " (expected "
            + TimeUnit.NANOSECONDS.toMillis(r.expectedNanos()) + " ms for the batch)", true, ran, r.expectedNanos()));
      }
    }
  }

  /** A batch being computed: its items, when it started, what the lane expected it to take. */
  private record Running(List<Item> items, long startNanos, long expectedNanos) {}

  /** Removes the items of class {@code p}'s queue that {@code which} selects, and their queued cost; holds the lock. */
  private int unqueue(Priority p, java.util.function.Predicate<Item> which) {
    long[] cost = new long[1];
    ArrayList<Item> q = queues.get(p);
    int before = q.size();
    q.removeIf(i -> {
      if (!which.test(i)) return false;
      cost[0] += i.cost;
      return true;
    });
    queuedCost.addAndGet(p.ordinal(), -cost[0]);
    return before - q.size();
  }

  /** One instance thread and the sessions it owns. */
  private final class Instance {
    final Placement placement;
    final int index;
    final Map<String, EncoderSession> sessions = new HashMap<>();
    final ProviderChoice provider;
    final Thread thread;
    /** The batch this instance is computing, or null; read by the watchdog. */
    volatile Running running;

    Instance(Placement placement, int perDevice, int index) {
      this.placement = placement;
      this.index = index;
      ProviderChoice chosen = null;
      try {
        for (EncoderSpec spec : specs.values()) {
          long t0 = System.nanoTime();
          EncoderSession s = EncoderSession.open(spec, placement.providers(), config.intraOpThreads());
          sessions.put(spec.key(), s);
          chosen = s.provider();
          Tokens warm = tokenizers.get(spec.key()).encode("warm-up");
          s.embed(List.of(warm)); // a model is ready only after this
          loadNanos.merge(spec.key(), System.nanoTime() - t0, Math::max);
          // two timed runs of different sizes seed the lane's cost model: estimates are never empty once it is ready
          seed(s, spec.key(), warm, 1);
          seed(s, spec.key(), warm, Math.min(8, maxRows()));
          coldStarts.merge(spec.key(), 1, Integer::sum);
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      this.provider = chosen;
      this.thread =
          Thread.ofPlatform()
              .name("laneway-" + config.name() + "-" + placement.device() + "-i" + perDevice)
              .daemon(true)
              .unstarted(this::run);
    }

    /** Times one warm batch of {@code n} copies of {@code warm} and records it in the cost models. */
    private void seed(EncoderSession s, String key, Tokens warm, int n) {
      int rows = batcher.rows(n);
      int length = batcher.paddedLength(warm.length());
      List<Tokens> batch = java.util.Collections.nCopies(n, warm);
      long t1 = System.nanoTime();
      s.embed(batch, rows, length);
      long took = System.nanoTime() - t1;
      costs.get(key).record(n, (long) rows * length, took);
      laneCost.record(n, (long) rows * length, took);
    }

    void run() {
      while (!stopped) {
        Batcher.Decision<Item> d;
        try {
          d = next();
        } catch (InterruptedException e) {
          continue;
        }
        switch (d) {
          case Batcher.Dispatch<Item> dispatch -> execute(dispatch);
          case Batcher.Drop<Item> drop -> expire(drop.expired());
          case Batcher.Wait<Item> w -> {}
        }
      }
    }

    void expire(List<Item> items) {
      long now = clock.getAsLong();
      release(items.size(), true);
      for (Item item : items) {
        Pending p = item.pending;
        if (p.future.isDone()) continue;
        stats.expired.incrementAndGet();
        telemetry.dropped(p.request.modelKey(), null, "deadline", 1);
        p.fail(new ExecutorException.DeadlineExceeded("deadline passed after "
            + TimeUnit.NANOSECONDS.toMillis(now - p.submittedNanos) + " ms in the " + config.name() + " queue"));
      }
    }

    void execute(Batcher.Dispatch<Item> batch) {
      slots.addAndGet(-batch.items().size());
      long now = clock.getAsLong();
      List<Item> live = new ArrayList<>(batch.items().size());
      for (Item item : batch.items()) {
        Pending p = item.pending;
        if (p.future.isDone()) {
          inFlightItems.decrementAndGet(); // cancelled, or failed through another item: nothing to compute
        } else if (now >= p.request.deadlineNanos()) {
          inFlightItems.decrementAndGet();
          stats.expired.incrementAndGet();
          telemetry.dropped(p.request.modelKey(), null, "deadline", 1);
          p.fail(new ExecutorException.DeadlineExceeded("deadline passed after "
              + TimeUnit.NANOSECONDS.toMillis(now - p.submittedNanos) + " ms in the " + config.name() + " queue"));
        } else {
          live.add(item);
        }
      }
      if (live.isEmpty()) return;
      if (live.size() < batch.items().size()) {
        int longest = 0;
        for (Item i : live) longest = Math.max(longest, i.tokens());
        batch = new Batcher.Dispatch<>(live, batch.priority(), batcher.rows(live.size()),
            batcher.paddedLength(longest), batch.reason());
      }
      String key = live.get(0).pending.request.modelKey();
      String device = placement.device();
      EncoderSession session = sessions.get(key);
      List<Tokens> tokens = new ArrayList<>(live.size());
      List<Context> contexts = new ArrayList<>();
      IdentityHashMap<Pending, Boolean> distinct = new IdentityHashMap<>();
      long[] queueMs = new long[live.size()];
      for (int i = 0; i < live.size(); i++) {
        Item item = live.get(i);
        tokens.add(item.tokens);
        queueMs[i] = TimeUnit.NANOSECONDS.toMillis(now - item.pending.submittedNanos);
        if (distinct.put(item.pending, Boolean.TRUE) == null) contexts.add(item.pending.request.context());
        telemetry.queued(key, device, item.pending.request.priority(), now - item.pending.submittedNanos);
      }
      Span span = telemetry.startBatch(batch, contexts, queueMs, key, device, index, provider.standIn());
      long padded = (long) batch.rows() * batch.sequenceLength();
      CostModel cost = costs.get(key);
      long expected = cost.nanosFor(padded);
      long start = clock.getAsLong();
      running = new Running(live, start, expected);
      runningCost.addAndGet(expected);
      float[][] vectors;
      try {
        vectors = session.embed(tokens, batch.rows(), batch.sequenceLength());
      } catch (RuntimeException | LinkageError | AssertionError e) { // a failed batch never strands its items
        running = null;
        runningCost.addAndGet(-expected);
        LOG.log(Level.WARNING, config.name() + ": batch of " + live.size() + " failed on " + device, e);
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, "device error");
        span.end();
        stats.failedBatches.incrementAndGet();
        telemetry.dropped(key, device, "device_error", live.size());
        inFlightItems.addAndGet(-live.size());
        for (Item item : live) {
          item.pending.fail(new ExecutorException.ExecutionFailed(
              config.name() + " on " + device + ": " + e.getMessage(), e));
        }
        return;
      }
      long end = clock.getAsLong();
      running = null;
      runningCost.addAndGet(-expected);
      span.end();
      cost.record(live.size(), padded, end - start);
      laneCost.record(live.size(), padded, end - start);
      int real = batch.realTokens();
      stats.recordBatch(live.size(), end - start, real, padded);
      telemetry.batch(key, device, live.size(), end - start, batch.paddingEfficiency());
      inFlightItems.addAndGet(-live.size());
      for (int i = 0; i < live.size(); i++) {
        Item item = live.get(i);
        item.pending.complete(item.index, vectors[i], item.tokens(), start - item.pending.submittedNanos,
            end - start, expected, device, provider);
      }
    }

    void close() {
      for (EncoderSession s : sessions.values()) {
        s.close();
      }
      sessions.clear();
    }
  }

  /** One text of a request, tokenised. */
  private static final class Item implements Batcher.Queued {
    final Pending pending;
    final int index;
    final Tokens tokens;
    /** Expected compute (nanos) when it was queued; what it adds to and takes from its class's queued cost. */
    final long cost;

    Item(Pending pending, int index, Tokens tokens, long cost) {
      this.pending = pending;
      this.index = index;
      this.tokens = tokens;
      this.cost = cost;
    }

    @Override
    public String modelKey() {
      return pending.request.modelKey();
    }

    @Override
    public int tokens() {
      return tokens.length();
    }

    @Override
    public long enqueuedNanos() {
      return pending.submittedNanos;
    }

    @Override
    public long deadlineNanos() {
      return pending.request.deadlineNanos();
    }
  }

  /** A request being answered: collects its items' vectors and completes once all are in. */
  private static final class Pending {
    final EmbedRequest request;
    final long submittedNanos;
    final long sequence;
    final CompletableFuture<EmbedResult> future = new CompletableFuture<>();
    final float[][] vectors;
    final int[] tokenCounts;
    /** Set under the queue lock once the items are queued. */
    boolean queued;
    int remaining;
    long queueNanos;
    long computeNanos;
    long expectedNanos;

    Pending(EmbedRequest request, long submittedNanos, long sequence) {
      this.request = request;
      this.submittedNanos = submittedNanos;
      this.sequence = sequence;
      this.vectors = new float[request.texts().size()][];
      this.tokenCounts = new int[request.texts().size()];
      this.remaining = request.texts().size();
    }

    void complete(int index, float[] v, int tokens, long queued, long compute, long expected, String device,
        ProviderChoice p) {
      boolean done;
      synchronized (this) {
        vectors[index] = v;
        tokenCounts[index] = tokens;
        queueNanos = Math.max(queueNanos, queued);
        if (compute >= computeNanos) {
          computeNanos = compute;
          expectedNanos = expected;
        }
        done = --remaining == 0;
      }
      if (done) {
        future.complete(new EmbedResult(vectors, tokenCounts, queueNanos, computeNanos, device, p.chosen(),
            p.standIn(), expectedNanos));
      }
    }

    void fail(ExecutorException e) {
      future.completeExceptionally(e);
    }
  }
}
