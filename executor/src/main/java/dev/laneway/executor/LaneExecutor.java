package dev.laneway.executor;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.EncoderSpec;
import dev.laneway.runtime.ProviderChoice;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One lane's executor: a bounded queue of items (one per text) and instance threads, each owning one
 * {@link EncoderSession} per model variant, that take batches of the same variant off the queue.
 *
 * <p>This is the thin path: FIFO order, a batch fills up to {@code maxBatchSize} or until the oldest item has waited
 * {@code maxQueueDelay}. Priorities, length buckets and static shapes come with the batching issue.
 *
 * <p>Threads: {@link #submit} is called from any thread (the gateway's event loop included) and never blocks; the
 * returned future completes on an instance thread. Ownership: once {@code submit} returns a future, the executor owns
 * the request until it completes that future, normally or with an {@link ExecutorException}.
 */
public final class LaneExecutor implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LaneExecutor.class.getName());

  private final ExecutorConfig config;
  private final Map<String, EncoderSpec> specs;
  private final Map<String, Tokenizer> tokenizers;
  private final LongSupplier clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private final List<Instance> instances = new ArrayList<>();
  private final Map<String, ProviderChoice> providers = new LinkedHashMap<>();
  private final AtomicInteger inFlightItems = new AtomicInteger();
  private final ExecutorStats stats = new ExecutorStats();
  /** Model key → the longest open + warm-up of that model among the instances (nanos); written only in start. */
  private final Map<String, Long> loadNanos = new java.util.concurrent.ConcurrentHashMap<>();
  /** Model key → sessions opened cold (one per instance and device); written only in start. */
  private final Map<String, Integer> coldStarts = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean accepting = true;
  private volatile boolean stopped;

  private LaneExecutor(ExecutorConfig config, List<EncoderSpec> models, LongSupplier clock) {
    this.config = config;
    this.clock = clock;
    Map<String, EncoderSpec> s = new LinkedHashMap<>();
    Map<String, Tokenizer> t = new HashMap<>();
    for (EncoderSpec spec : models) {
      s.put(spec.key(), spec);
      t.put(spec.key(), Tokenizer.load(spec));
    }
    this.specs = Map.copyOf(s);
    this.tokenizers = Map.copyOf(t);
  }

  /**
   * Opens every session on every device (one per instance and model variant), runs one warm-up batch on each, and
   * starts the instance threads. Blocks until all are warm.
   */
  public static LaneExecutor start(ExecutorConfig config, List<Placement> devices, List<EncoderSpec> models) {
    return start(config, devices, models, System::nanoTime);
  }

  static LaneExecutor start(
      ExecutorConfig config, List<Placement> devices, List<EncoderSpec> models, LongSupplier clock) {
    if (devices.isEmpty()) throw new IllegalArgumentException("devices: empty (expected: at least one)");
    if (models.isEmpty()) throw new IllegalArgumentException("models: empty (expected: at least one)");
    LaneExecutor ex = new LaneExecutor(config, models, clock);
    try {
      for (Placement p : devices) {
        for (int i = 0; i < config.instancesPerDevice(); i++) {
          Instance inst = ex.new Instance(p, i);
          ex.instances.add(inst);
          ex.providers.putIfAbsent(p.device(), inst.provider);
        }
      }
    } catch (RuntimeException e) {
      ex.close();
      throw e;
    }
    for (Instance inst : ex.instances) {
      inst.thread.start();
    }
    return ex;
  }

  /**
   * Queues a request's texts. Never blocks.
   *
   * @return a future completed on an instance thread with the vectors in text order, or with an
   *     {@link ExecutorException}; cancelling it frees the request's queued items
   */
  public CompletableFuture<EmbedResult> submit(EmbedRequest request) {
    if (!accepting) {
      return CompletableFuture.failedFuture(new ExecutorException.ShuttingDown(config.name() + " is shutting down"));
    }
    Tokenizer tokenizer = tokenizers.get(request.modelKey());
    if (tokenizer == null) {
      return CompletableFuture.failedFuture(
          new ExecutorException.UnknownModel(request.modelKey() + " is not loaded on " + config.name()));
    }
    Pending pending = new Pending(request, clock.getAsLong());
    int n = request.texts().size();
    lock.lock();
    try {
      if (queue.size() + n > config.maxQueueSize()) {
        stats.rejected.incrementAndGet();
        return CompletableFuture.failedFuture(
            new ExecutorException.QueueFull(
                config.name() + ": queue full (" + queue.size() + " of max_queue_size " + config.maxQueueSize()
                    + " items queued)"));
      }
      for (int i = 0; i < n; i++) {
        queue.addLast(new Item(pending, i));
      }
      inFlightItems.addAndGet(n);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    return pending.future;
  }

  /** Items waiting in the queue now. */
  public int queueDepth() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Items accepted and not yet answered (queued or running). */
  public int inFlight() {
    return inFlightItems.get();
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

  /** Stops taking new work; what is queued still runs. */
  public void stopAccepting() {
    accepting = false;
  }

  /**
   * Stops taking work, waits up to {@code timeoutMillis} for accepted items to finish, then stops the instances and
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
    List<Item> left;
    lock.lock();
    try {
      stopped = true;
      left = new ArrayList<>(queue);
      queue.clear();
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    for (Item item : left) {
      item.pending.fail(new ExecutorException.ShuttingDown(config.name() + " closed before this item ran"));
      inFlightItems.decrementAndGet();
    }
    for (Instance inst : instances) {
      inst.thread.interrupt();
    }
    for (Instance inst : instances) {
      try {
        inst.thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inst.close();
    }
    for (Tokenizer t : tokenizers.values()) {
      t.close();
    }
  }

  /** Takes the next batch: items of the head item's variant, up to maxBatchSize. Caller holds no lock. */
  private List<Item> nextBatch() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (stopped) return List.of();
        Item head = queue.peekFirst();
        if (head == null) {
          notEmpty.await();
          continue;
        }
        String key = head.pending.request.modelKey();
        int same = 0;
        for (Item it : queue) {
          if (it.pending.request.modelKey().equals(key) && ++same >= config.maxBatchSize()) break;
        }
        long waitNanos = head.pending.enqueuedNanos + config.maxQueueDelay().toNanos() - clock.getAsLong();
        if (same < config.maxBatchSize() && waitNanos > 0 && accepting) {
          notEmpty.awaitNanos(waitNanos);
          continue;
        }
        List<Item> batch = new ArrayList<>(same);
        Iterator<Item> it = queue.iterator();
        while (it.hasNext() && batch.size() < config.maxBatchSize()) {
          Item item = it.next();
          if (item.pending.request.modelKey().equals(key)) {
            it.remove();
            batch.add(item);
          }
        }
        if (!queue.isEmpty()) notEmpty.signal();
        return batch;
      }
    } finally {
      lock.unlock();
    }
  }

  /** One instance thread and the sessions it owns. */
  private final class Instance {
    final Placement placement;
    final Map<String, EncoderSession> sessions = new HashMap<>();
    final ProviderChoice provider;
    final Thread thread;

    Instance(Placement placement, int index) {
      this.placement = placement;
      ProviderChoice chosen = null;
      try {
        for (EncoderSpec spec : specs.values()) {
          long t0 = System.nanoTime();
          EncoderSession s = EncoderSession.open(spec, placement.providers(), config.intraOpThreads());
          sessions.put(spec.key(), s);
          chosen = s.provider();
          s.embed(List.of(tokenizers.get(spec.key()).encode("warm-up"))); // a model is ready only after this
          loadNanos.merge(spec.key(), System.nanoTime() - t0, Math::max);
          coldStarts.merge(spec.key(), 1, Integer::sum);
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      this.provider = chosen;
      this.thread =
          Thread.ofPlatform()
              .name("laneway-" + config.name() + "-" + placement.device() + "-i" + index)
              .daemon(true)
              .unstarted(this::run);
    }

    void run() {
      while (!stopped) {
        List<Item> batch;
        try {
          batch = nextBatch();
        } catch (InterruptedException e) {
          if (stopped) return;
          continue;
        }
        if (!batch.isEmpty()) {
          execute(batch);
        }
      }
    }

    void execute(List<Item> batch) {
      long now = clock.getAsLong();
      List<Item> live = new ArrayList<>(batch.size());
      for (Item item : batch) {
        Pending p = item.pending;
        if (p.future.isDone()) {
          // cancelled, or failed through another item: nothing to compute
        } else if (now > p.request.deadlineNanos()) {
          stats.expired.incrementAndGet();
          p.fail(new ExecutorException.DeadlineExceeded(
              "deadline passed after " + TimeUnit.NANOSECONDS.toMillis(now - p.enqueuedNanos) + " ms in the "
                  + config.name() + " queue"));
        } else {
          live.add(item);
        }
      }
      int skipped = batch.size() - live.size();
      if (skipped > 0) inFlightItems.addAndGet(-skipped);
      if (live.isEmpty()) return;
      String key = live.get(0).pending.request.modelKey();
      EncoderSession session = sessions.get(key);
      Tokenizer tokenizer = tokenizers.get(key);
      List<Tokens> tokens = new ArrayList<>(live.size());
      for (Item item : live) {
        tokens.add(tokenizer.encode(item.text()));
      }
      long start = clock.getAsLong();
      float[][] vectors;
      try {
        vectors = session.embed(tokens);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, config.name() + ": batch of " + live.size() + " failed on " + placement.device(), e);
        stats.failedBatches.incrementAndGet();
        for (Item item : live) {
          item.pending.fail(new ExecutorException.ExecutionFailed(
              config.name() + " on " + placement.device() + ": " + e.getMessage(), e));
        }
        inFlightItems.addAndGet(-live.size());
        return;
      }
      long end = clock.getAsLong();
      stats.recordBatch(live.size());
      for (int i = 0; i < live.size(); i++) {
        Item item = live.get(i);
        item.pending.complete(item.index, vectors[i], tokens.get(i).length(), start - item.pending.enqueuedNanos,
            end - start, placement.device(), provider);
      }
      inFlightItems.addAndGet(-live.size());
    }

    void close() {
      for (EncoderSession s : sessions.values()) {
        s.close();
      }
      sessions.clear();
    }
  }

  /** One text of a request. */
  private record Item(Pending pending, int index) {
    String text() {
      return pending.request.texts().get(index);
    }
  }

  /** A request being answered: collects its items' vectors and completes once all are in. */
  private static final class Pending {
    final EmbedRequest request;
    final long enqueuedNanos;
    final CompletableFuture<EmbedResult> future = new CompletableFuture<>();
    final float[][] vectors;
    final int[] tokenCounts;
    int remaining;
    long queueNanos;
    long computeNanos;

    Pending(EmbedRequest request, long enqueuedNanos) {
      this.request = request;
      this.enqueuedNanos = enqueuedNanos;
      this.vectors = new float[request.texts().size()][];
      this.tokenCounts = new int[request.texts().size()];
      this.remaining = request.texts().size();
    }

    void complete(int index, float[] v, int tokens, long queued, long compute, String device, ProviderChoice p) {
      boolean done;
      synchronized (this) {
        vectors[index] = v;
        tokenCounts[index] = tokens;
        queueNanos = Math.max(queueNanos, queued);
        computeNanos = Math.max(computeNanos, compute);
        done = --remaining == 0;
      }
      if (done) {
        future.complete(new EmbedResult(vectors, tokenCounts, queueNanos, computeNanos, device, p.chosen(),
            p.standIn()));
      }
    }

    void fail(ExecutorException e) {
      future.completeExceptionally(e);
    }
  }
}
