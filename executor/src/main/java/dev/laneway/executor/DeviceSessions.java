package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokens;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ONNX Runtime sessions of one lane: one per device and model variant, shared by the device's instances (ONNX
 * Runtime's {@code Run} is thread-safe; with one intra-op thread each call computes on its caller's thread, so two
 * instances sharing a session compute as two did with a session each, at half the sessions to open and half the
 * weights in memory). Opened in parallel, as many at once as there are cores; each is ready only after a warm-up run
 * in a shape the lane runs, and timed runs of two sizes (a pair per instance of the device) seed the lane's cost model,
 * so estimates are never empty once the lane is ready.
 *
 * <p>Threads: {@link #open} blocks the starting thread until every session is warm (or one failed: then the others are
 * closed and the failure is thrown); the sessions are then read by the instance threads. The lane whose sessions they
 * are is made on another thread meanwhile ({@link LaneExecutor#start}).
 */
final class DeviceSessions implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DeviceSessions.class.getName());

  /** Device → model variant → session, in placement and model order. */
  private final Map<String, Map<ModelKey, EncoderSession>> byDevice;
  /** What this lane holds of {@code share}, given back at close. */
  private final List<Opened> leases;
  private final SharedSessions share;
  /** Model → the longest session open + warm-up run among the devices (nanos). */
  private final Map<ModelKey, Long> loadNanos;

  private DeviceSessions(Map<String, Map<ModelKey, EncoderSession>> byDevice, Map<ModelKey, Long> loadNanos,
      List<Opened> leases, SharedSessions share) {
    this.byDevice = byDevice;
    this.loadNanos = loadNanos;
    this.leases = leases;
    this.share = share;
  }

  /** One opened and warmed session, and what it took. */
  private record Opened(String device, ModelKey key, SharedSessions.Lease lease, long openNanos, long warmNanos,
      long seedNanos) {}

  /** What warms a lane's sessions once it exists: the lane (batcher, cost models) and its tokenizers. */
  record Warmer(ExecutorContext lane, TokenizerStage tokenizer) {}

  /**
   * Opens (or takes from {@code share}, when another lane of the process opened it), warms and seeds a session per
   * device of {@code devices} and model of {@code models}, in parallel. The sessions open while {@code warmer} is still
   * being made (the lane's tokenizers load meanwhile: 0.1-0.3 s of a start here); each is warmed once it completes.
   * When {@code warmer} fails, every session is given back and its failure is thrown.
   */
  static DeviceSessions open(ExecutorConfig config, List<Placement> devices, List<ExecutorModel> models,
      SharedSessions share, CompletableFuture<Warmer> warmer) {
    int tasks = devices.size() * models.size();
    int threads = Math.max(1, Math.min(tasks, Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform()
        .name("laneway-" + config.name() + "-warm-", 0).daemon(true).factory());
    // the largest models first: on a first start an fp32 session (read out of its jar and optimized) took 1.6-1.9 s
    // and an int8 one 0.3-0.7 s, so with the int8 ones first the last fp32 session started late and ran alone
    // task i opens models[i % models] on devices[i / models], and the results keep that order
    int perDevice = models.size();
    Map<ExecutorModel, Long> sizes = new java.util.HashMap<>();
    for (ExecutorModel m : models) sizes.put(m, m.encoderSpec().onnx().size());
    List<CompletableFuture<Opened>> opening = new ArrayList<>(java.util.Collections.nCopies(tasks, null));
    try {
      java.util.stream.IntStream.range(0, tasks).boxed()
          .sorted(java.util.Comparator.comparing((Integer i) -> sizes.get(models.get(i % perDevice))).reversed())
          .forEachOrdered(i -> opening.set(i, CompletableFuture.supplyAsync(
              () -> openOne(config, warmer, devices.get(i / perDevice), models.get(i % perDevice), share), pool)));
    } finally {
      pool.shutdown();
    }
    Map<String, Map<ModelKey, EncoderSession>> byDevice = new LinkedHashMap<>();
    Map<ModelKey, Long> loadNanos = new LinkedHashMap<>();
    List<Opened> leases = new ArrayList<>();
    RuntimeException failure = null;
    for (CompletableFuture<Opened> f : opening) {
      try {
        Opened o = f.join();
        byDevice.computeIfAbsent(o.device(), d -> new LinkedHashMap<>()).put(o.key(), o.lease().session());
        leases.add(o);
        loadNanos.merge(o.key(), o.openNanos() + o.warmNanos(), Math::max);
      } catch (CompletionException e) {
        if (failure == null) failure = e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    DeviceSessions sessions = new DeviceSessions(byDevice, loadNanos, leases, share);
    if (failure != null) {
      sessions.close();
      throw failure;
    }
    return sessions;
  }

  private static Opened openOne(ExecutorConfig config, CompletableFuture<Warmer> warmer, Placement p,
      ExecutorModel m, SharedSessions share) {
    long t0 = System.nanoTime();
    int threads = config.intraOpThreads();
    SharedSessions.Lease lease = share.acquire(m.encoderSpec(), p.providers(), threads,
        () -> EncoderSession.open(m.encoderSpec(), p.providers(), threads));
    EncoderSession s = lease.session();
    long t1 = System.nanoTime();
    try {
      Warmer w;
      try {
        w = warmer.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
      ExecutorContext lane = w.lane();
      long t2 = System.nanoTime();
      Tokens warm = w.tokenizer().encode(m.key(), "warm-up");
      // a model is ready only after a warm-up run, in a shape the lane runs (a static-shape device has no other)
      s.embed(List.of(warm), lane.batcher().rows(1), lane.batcher().paddedLength(warm.length()));
      long t3 = System.nanoTime();
      // as many samples as when each instance had its own session: one slow run on a busy machine weighs no more
      for (int i = 0; i < config.instancesPerDevice(); i++) {
        seed(lane, s, m.key(), warm, 1);
        seed(lane, s, m.key(), warm, Math.min(8, maxRows(lane)));
      }
      long t4 = System.nanoTime();
      if (LOG.isLoggable(Level.FINE)) {
        LOG.fine(String.format("start-up: lane %s device %s %s: session %d ms (%s), tokenizers %d ms more, "
            + "warm-up run %d ms, cost seeds %d ms",
            config.name(), p.device(), m.key(), (t1 - t0) / 1_000_000,
            lease.shared() ? "shared with another lane of this process"
                : s.fromCache() ? "optimized model from the session cache" : "model optimized", (t2 - t1) / 1_000_000,
            (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000));
      }
      return new Opened(p.device(), m.key(), lease, t1 - t0, t3 - t2, t4 - t3);
    } catch (RuntimeException e) {
      share.release(lease);
      throw e;
    }
  }

  /** The most items one batch holds (max_batch_size, within the largest static batch size). */
  private static int maxRows(ExecutorContext lane) {
    List<Integer> s = lane.config().batching().staticBatchSizes();
    int max = lane.config().batching().maxBatchSize();
    return s.isEmpty() ? max : Math.min(max, s.getLast());
  }

  /** Times one warm batch of {@code n} copies of {@code warm} and records it in the cost models. */
  private static void seed(ExecutorContext lane, EncoderSession s, ModelKey key, Tokens warm, int n) {
    int rows = lane.batcher().rows(n);
    int length = lane.batcher().paddedLength(warm.length());
    long t1 = System.nanoTime();
    s.embed(Collections.nCopies(n, warm), rows, length);
    lane.costs().record(key, n, (long) rows * length, System.nanoTime() - t1);
  }

  /** The sessions of {@code device}, by model variant (shared by its instances). */
  Map<ModelKey, EncoderSession> of(String device) {
    return Collections.unmodifiableMap(byDevice.get(device));
  }

  /** Each model's longest session open + warm-up run among the devices, in nanoseconds. */
  Map<ModelKey, Long> loadNanos() {
    return Collections.unmodifiableMap(loadNanos);
  }

  /** Sessions opened cold per model: one per device, but for those another lane opened ({@link SharedSessions}). */
  Map<ModelKey, Integer> coldStarts() {
    Map<ModelKey, Integer> n = new LinkedHashMap<>();
    for (Map<ModelKey, EncoderSession> d : byDevice.values()) d.keySet().forEach(k -> n.merge(k, 0, Integer::sum));
    for (Opened o : leases) {
      if (!o.lease().shared()) n.merge(o.key(), 1, Integer::sum);
    }
    return n;
  }

  /** Pooled native buffers handed out over every session: zero between batches. */
  int buffersInUse() {
    int n = 0;
    for (Map<ModelKey, EncoderSession> d : byDevice.values()) {
      for (EncoderSession s : d.values()) n += s.buffersInUse();
    }
    return n;
  }

  /** ONNX Runtime calls by input shape over every session ({@link EncoderSession#runShapes}). */
  Map<String, Long> runShapes() {
    Map<String, Long> n = new java.util.HashMap<>();
    for (Map<ModelKey, EncoderSession> d : byDevice.values()) {
      for (EncoderSession s : d.values()) s.runShapes().forEach((shape, c) -> n.merge(shape, c, Long::sum));
    }
    return n;
  }

  /** Gives every session back (closing those no other lane holds); after the instances have stopped. */
  @Override
  public void close() {
    for (Opened o : leases) share.release(o.lease());
    leases.clear();
    byDevice.clear();
  }
}
