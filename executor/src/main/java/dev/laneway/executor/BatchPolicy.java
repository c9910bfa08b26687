package dev.laneway.executor;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link Batcher} decides by: Triton's dynamic-batching knobs plus sequence-length buckets (dynamic shapes) or
 * static shapes (NPU discipline). Immutable; validated on construction.
 *
 * @param maxBatchSize most items in one call
 * @param preferredBatchSizes a batch this large (the largest one) is dispatched without waiting out the window
 * @param maxQueueDelay per latency class: how long the oldest item may wait for a batch to fill (0 = dispatch at once)
 * @param sequenceLengthMultiple dynamic shapes: a batch is padded to its longest item rounded up to this
 * @param staticBatchSizes static shapes: the only batch sizes; a batch is padded up to the nearest (empty = dynamic)
 * @param staticSequenceLengths static shapes: the only sequence lengths; longer items are refused (empty = dynamic)
 * @param maxBatchTokens most padded tokens (rows x length) in one call; 0 = no limit
 * @param agingAfter anti-starvation between classes: once the batch class's oldest item has waited this long, the
 *     class is served as if it were standard, oldest first against standard's own work (see {@link Batcher});
 *     {@link Duration#ZERO} = strict priority, no aging. {@link #DEFAULT_AGING_AFTER} by default
 * @param yieldingBatchTokens while work of a more urgent class was dispatched within the last second, a batch holds at
 *     most this many padded tokens (and {@link #maxBatchTokens}): a batch flood's batches stay short, so a standard or
 *     interactive request waits less for the one running ahead of it (execution is not preemptible); 0 = off
 * @param urgentReservedInstances while work more urgent than batch ran within the last second, this many of the lane's
 *     instances do not take batch-class work (at least one instance always may), so a standard or interactive request
 *     finds an instance free instead of waiting for a running batch; 0 = off (every instance takes any class)
 * @param workConserving a window only gathers work while the lane is busy: when no other instance is computing and no
 *     request waits to be tokenised, what is queued goes at once ({@link Batcher}); true by default. False keeps every
 *     window even on an idle lane (Triton's behaviour), e.g. to fill a static-shape batch
 * @param batchNice the nice value (1..19) at which an instance computes the least urgent class's batches
 *     ({@link NicedRunner}), so on a shared CPU they yield the cores to more urgent work; 0 = off
 * @param longTextTokens texts of more tokens than this are long: within each class they form their own queue, served
 *     first by at most all but one of the lane's instances at a time, so a long text neither waits behind the short
 *     texts' batches nor takes the instance they need ({@link Batcher}); 0 = off
 */
public record BatchPolicy(
    int maxBatchSize,
    List<Integer> preferredBatchSizes,
    Map<Priority, Duration> maxQueueDelay,
    int sequenceLengthMultiple,
    List<Integer> staticBatchSizes,
    List<Integer> staticSequenceLengths,
    int maxBatchTokens,
    Duration agingAfter,
    int yieldingBatchTokens,
    int urgentReservedInstances,
    boolean workConserving,
    int batchNice,
    int longTextTokens) {
  /**
   * Aging's default bound: far beyond any class's batch window and an interactive or standard request's usual
   * deadline, so strict priority holds for latency, and batch work still moves within seconds under a standard flood.
   */
  public static final Duration DEFAULT_AGING_AFTER = Duration.ofSeconds(2);

  /** With {@link #DEFAULT_AGING_AFTER}. */
  public BatchPolicy(int maxBatchSize, List<Integer> preferredBatchSizes, Map<Priority, Duration> maxQueueDelay,
      int sequenceLengthMultiple, List<Integer> staticBatchSizes, List<Integer> staticSequenceLengths,
      int maxBatchTokens) {
    this(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, DEFAULT_AGING_AFTER, 0, 0, true, 0, 0);
  }

  /** With aging and no yielding bound. */
  public BatchPolicy(int maxBatchSize, List<Integer> preferredBatchSizes, Map<Priority, Duration> maxQueueDelay,
      int sequenceLengthMultiple, List<Integer> staticBatchSizes, List<Integer> staticSequenceLengths,
      int maxBatchTokens, Duration agingAfter) {
    this(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, agingAfter, 0, 0, true, 0, 0);
  }

  public BatchPolicy {
    if (maxBatchSize < 1) throw new IllegalArgumentException("maxBatchSize: " + maxBatchSize + " (expected: >= 1)");
    preferredBatchSizes = sortedWithin("preferredBatchSizes", preferredBatchSizes, maxBatchSize);
    staticBatchSizes = sortedWithin("staticBatchSizes", staticBatchSizes, maxBatchSize);
    staticSequenceLengths = List.copyOf(staticSequenceLengths).stream().sorted().distinct().toList();
    for (int s : staticSequenceLengths) {
      if (s < 1) throw new IllegalArgumentException("staticSequenceLengths: " + s + " (expected: >= 1)");
    }
    Map<Priority, Duration> delays = new EnumMap<>(Priority.class);
    for (Priority p : Priority.values()) {
      Duration d = Objects.requireNonNull(maxQueueDelay.get(p), "maxQueueDelay: no entry for " + p.wireName());
      if (d.isNegative()) throw new IllegalArgumentException("maxQueueDelay." + p.wireName() + ": " + d);
      delays.put(p, d);
    }
    maxQueueDelay = Map.copyOf(delays);
    if (sequenceLengthMultiple < 1) {
      throw new IllegalArgumentException("sequenceLengthMultiple: " + sequenceLengthMultiple + " (expected: >= 1)");
    }
    if (maxBatchTokens < 0) {
      throw new IllegalArgumentException("maxBatchTokens: " + maxBatchTokens + " (expected: >= 0)");
    }
    Objects.requireNonNull(agingAfter, "agingAfter");
    if (agingAfter.isNegative()) throw new IllegalArgumentException("agingAfter: " + agingAfter + " (expected: >= 0)");
    if (urgentReservedInstances < 0) {
      throw new IllegalArgumentException("urgentReservedInstances: " + urgentReservedInstances + " (expected: >= 0)");
    }
    if (yieldingBatchTokens < 0) {
      throw new IllegalArgumentException("yieldingBatchTokens: " + yieldingBatchTokens + " (expected: >= 0)");
    }
    if (batchNice < 0 || batchNice > 19) {
      throw new IllegalArgumentException("batchNice: " + batchNice + " (expected: 0 to 19)");
    }
    if (longTextTokens < 0) {
      throw new IllegalArgumentException("longTextTokens: " + longTextTokens + " (expected: >= 0)");
    }
  }

  /** This policy with another {@link #yieldingBatchTokens}. */
  public BatchPolicy withYieldingBatchTokens(int tokens) {
    return new BatchPolicy(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, agingAfter, tokens, urgentReservedInstances, workConserving, batchNice,
        longTextTokens);
  }

  /** This policy with another {@link #urgentReservedInstances}. */
  public BatchPolicy withUrgentReservedInstances(int n) {
    return new BatchPolicy(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, agingAfter, yieldingBatchTokens, n, workConserving, batchNice,
        longTextTokens);
  }

  /** This policy with another {@link #batchNice}. */
  public BatchPolicy withBatchNice(int nice) {
    return new BatchPolicy(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, agingAfter, yieldingBatchTokens, urgentReservedInstances,
        workConserving, nice, longTextTokens);
  }

  /** This policy with another {@link #workConserving}. */
  public BatchPolicy withWorkConserving(boolean on) {
    return new BatchPolicy(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, agingAfter, yieldingBatchTokens, urgentReservedInstances, on, batchNice,
        longTextTokens);
  }

  /** The padded tokens a batch may hold: {@link #maxBatchTokens}, or less while more urgent work runs; 0 = no limit. */
  public int batchTokens(boolean moreUrgentActive) {
    if (!moreUrgentActive || yieldingBatchTokens == 0) return maxBatchTokens;
    return maxBatchTokens == 0 ? yieldingBatchTokens : Math.min(maxBatchTokens, yieldingBatchTokens);
  }

  /** This policy with another {@link #agingAfter}. */
  public BatchPolicy withAgingAfter(Duration aging) {
    return new BatchPolicy(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, aging, yieldingBatchTokens, urgentReservedInstances,
        workConserving, batchNice, longTextTokens);
  }

  /** This policy with another {@link #longTextTokens}. */
  public BatchPolicy withLongTextTokens(int tokens) {
    return new BatchPolicy(maxBatchSize, preferredBatchSizes, maxQueueDelay, sequenceLengthMultiple, staticBatchSizes,
        staticSequenceLengths, maxBatchTokens, agingAfter, yieldingBatchTokens, urgentReservedInstances,
        workConserving, batchNice, tokens);
  }

  /** Dynamic shapes, one delay for every class (interactive 0), no token limit: for tests and benchmarks. */
  public static BatchPolicy dynamic(int maxBatchSize, Duration delay) {
    return new BatchPolicy(maxBatchSize, List.of(), delays(Duration.ZERO, delay, delay), 8, List.of(), List.of(), 0);
  }

  /** A delay per class, most urgent first. */
  public static Map<Priority, Duration> delays(Duration interactive, Duration standard, Duration batch) {
    return Map.of(Priority.INTERACTIVE, interactive, Priority.STANDARD, standard, Priority.BATCH, batch);
  }

  /** Whether a text of {@code tokens} tokens is long ({@link #longTextTokens}): never while that is 0. */
  public boolean longText(int tokens) {
    return longTextTokens > 0 && tokens > longTextTokens;
  }

  public boolean staticShapes() {
    return !staticBatchSizes.isEmpty() || !staticSequenceLengths.isEmpty();
  }

  /** The longest item accepted: the largest static sequence length, or unlimited. */
  public int maxItemTokens() {
    return staticSequenceLengths.isEmpty() ? Integer.MAX_VALUE : staticSequenceLengths.getLast();
  }

  public long maxQueueDelayNanos(Priority p) {
    return maxQueueDelay.get(p).toNanos();
  }

  private static List<Integer> sortedWithin(String field, List<Integer> values, int max) {
    List<Integer> out = List.copyOf(values).stream().sorted().distinct().toList();
    for (int v : out) {
      if (v < 1 || v > max) throw new IllegalArgumentException(field + ": " + v + " (expected: 1.." + max + ")");
    }
    return out;
  }
}
