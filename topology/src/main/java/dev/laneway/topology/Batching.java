package dev.laneway.topology;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A lane's batching profile, in Triton's words ({@code dynamic_batching} in a Triton model config), plus the two
 * things text encoders need on top: sequence-length buckets for dynamic shapes and fixed static shapes for NPU lanes.
 * Every key may be left out and gets the default shown.
 *
 * @param maxBatchSize most items in one ONNX Runtime call (default 32)
 * @param preferredBatchSizes batch sizes to dispatch at once when reached (Triton's {@code preferred_batch_size};
 *     default none)
 * @param maxQueueDelay how long the oldest item may wait for a batch to fill (Triton's {@code max_queue_delay}; default
 *     2ms)
 * @param maxQueueDelayByClass per latency class ({@code interactive}, {@code standard}, {@code batch}), overriding
 *     {@code max_queue_delay}; default {@code interactive: 0}
 * @param maxQueueSize items the lane's queue holds before it refuses with queue-full (default 4096)
 * @param sequenceLengthMultiple dynamic-shape lanes pad a batch to its longest item rounded up to this (default 8)
 * @param staticBatchSizes static-shape lanes: the only batch sizes compiled for the device, a batch is padded up to the
 *     nearest (default none: dynamic)
 * @param staticSequenceLengths static-shape lanes: the only sequence lengths, an item is padded up to the nearest and
 *     a longer one is refused as too long (default none: dynamic)
 * @param maxBatchTokens most padded tokens (rows x sequence length) in one call, which bounds one batch's execution
 *     time and so how long an interactive item can wait behind it (default 4096; 0 = no limit)
 * @param defaultTimeoutByClass deadline of a request that sets none, per latency class (default none: the gateway's)
 * @param reservedByClass the share (0..1) of the lane's capacity — {@code max_queue_size} items and the lane's
 *     {@code max_in_flight} requests — kept free for a latency class and every more urgent one: a request of class
 *     {@code c} is admitted while what the lane holds is below capacity × (1 − the shares of the classes more urgent
 *     than {@code c}). Default {@code {interactive: 0.125, standard: 0.125}}: batch may fill 75%, standard 87.5%,
 *     interactive all of it. {@code batch} may not be given a share (no class is less urgent); the shares sum to < 1.
 * @param agingAfter anti-starvation: once the batch class's oldest text has waited this long, batch ranks as standard
 *     (the older of the two goes first), so a standard flood cannot starve batch work for ever (default 2s; 0: strict
 *     priority)
 * @param yieldingBatchTokens while more urgent work ran in the last second, a batch holds at most this many padded
 *     tokens (with {@code max_batch_tokens}), so a batch flood's batches stay short and a standard or interactive
 *     request waits less behind the one running (default 0: off)
 * @param urgentReservedInstances while more urgent work ran in the last second, this many of the lane's instances do
 *     not take batch-class work (one always may), so a standard or interactive request finds one free (default 0: off)
 * @param workConserving a window only gathers work while the lane is busy: with no other instance computing and nothing
 *     waiting to be tokenised, what is queued goes at once (default true; false: every window is waited out, as Triton
 *     does, e.g. to fill a static-shape batch)
 * @param batchNice the operating-system nice value (1..19) at which an instance computes batch-class batches, so on a
 *     CPU device a batch flood's compute yields the cores to the doors and the more urgent classes' instances rather
 *     than taking an equal share of them (Linux; default 0: off, the normal priority)
 * @param longTextTokens texts of more tokens than this are long: in each latency class they queue apart from the
 *     short ones and are served first by at most all of the lane's instances but one, so a long text neither waits
 *     behind the short texts' batches nor delays them (default 0: off)
 */
public record Batching(
    Integer maxBatchSize,
    List<Integer> preferredBatchSizes,
    Duration maxQueueDelay,
    Map<String, Duration> maxQueueDelayByClass,
    Integer maxQueueSize,
    Integer sequenceLengthMultiple,
    List<Integer> staticBatchSizes,
    List<Integer> staticSequenceLengths,
    Integer maxBatchTokens,
    Map<String, Duration> defaultTimeoutByClass,
    Map<String, Double> reservedByClass,
    Duration agingAfter,
    Integer yieldingBatchTokens,
    Integer urgentReservedInstances,
    Boolean workConserving,
    Integer batchNice,
    Integer longTextTokens) {
  /** The latency classes the {@code *_by_class} maps may name. */
  public static final Set<String> CLASSES = Set.of("interactive", "standard", "batch");

  /** The default {@code reserved_by_class}. */
  public static final Map<String, Double> DEFAULT_RESERVED = Map.of("interactive", 0.125, "standard", 0.125);

  public static final Batching DEFAULT =
      new Batching(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  public Batching {
    maxBatchSize = maxBatchSize == null ? 32 : maxBatchSize;
    Checks.atLeast("max_batch_size", maxBatchSize, 1);
    preferredBatchSizes = sorted(preferredBatchSizes);
    for (int p : preferredBatchSizes) {
      within("preferred_batch_sizes", p, maxBatchSize);
    }
    if (maxQueueDelay == null) {
      maxQueueDelay = Duration.ofMillis(2);
    }
    nonNegative("max_queue_delay", maxQueueDelay);
    maxQueueDelayByClass = byClass("max_queue_delay_by_class", maxQueueDelayByClass == null
        ? Map.of("interactive", Duration.ZERO) : maxQueueDelayByClass);
    maxQueueSize = maxQueueSize == null ? 4096 : maxQueueSize;
    Checks.atLeast("max_queue_size", maxQueueSize, 1);
    sequenceLengthMultiple = sequenceLengthMultiple == null ? 8 : sequenceLengthMultiple;
    Checks.atLeast("sequence_length_multiple", sequenceLengthMultiple, 1);
    staticBatchSizes = sorted(staticBatchSizes);
    for (int b : staticBatchSizes) {
      within("static_batch_sizes", b, maxBatchSize);
    }
    staticSequenceLengths = sorted(staticSequenceLengths);
    for (int s : staticSequenceLengths) {
      Checks.atLeast("static_sequence_lengths", s, 3);
    }
    maxBatchTokens = maxBatchTokens == null ? 4096 : maxBatchTokens;
    Checks.atLeast("max_batch_tokens", maxBatchTokens, 0);
    defaultTimeoutByClass = byClass("default_timeout_by_class", defaultTimeoutByClass);
    reservedByClass = reserved(reservedByClass);
    agingAfter = agingAfter == null ? Duration.ofSeconds(2) : agingAfter;
    nonNegative("aging_after", agingAfter);
    yieldingBatchTokens = yieldingBatchTokens == null ? 0 : yieldingBatchTokens;
    Checks.atLeast("yielding_batch_tokens", yieldingBatchTokens, 0);
    urgentReservedInstances = urgentReservedInstances == null ? 0 : urgentReservedInstances;
    Checks.atLeast("urgent_reserved_instances", urgentReservedInstances, 0);
    workConserving = workConserving == null || workConserving;
    batchNice = batchNice == null ? 0 : batchNice;
    Checks.atLeast("batch_nice", batchNice, 0);
    if (batchNice > 19) throw new IllegalArgumentException("batch_nice: " + batchNice + " (expected: 0 to 19)");
    longTextTokens = longTextTokens == null ? 0 : longTextTokens;
    Checks.atLeast("long_text_tokens", longTextTokens, 0);
  }

  /** The foundation's four keys; every other key takes its default. */
  public Batching(int maxBatchSize, List<Integer> preferredBatchSizes, Duration maxQueueDelay, int maxQueueSize) {
    this(maxBatchSize, preferredBatchSizes, maxQueueDelay, null, maxQueueSize, null, null, null, null, null, null,
        null, null, null, null, null, null);
  }

  /** The queue delay of a latency class: its {@code max_queue_delay_by_class} entry, else {@code max_queue_delay}. */
  public Duration maxQueueDelay(String latencyClass) {
    return maxQueueDelayByClass.getOrDefault(latencyClass, maxQueueDelay);
  }

  /** The share of capacity kept for a class and every more urgent one (0 when none is declared). */
  public double reserved(String latencyClass) {
    return reservedByClass.getOrDefault(latencyClass, 0.0);
  }

  private static Map<String, Double> reserved(Map<String, Double> values) {
    if (values == null) return DEFAULT_RESERVED;
    Map<String, Double> out = new TreeMap<>();
    double sum = 0;
    for (Map.Entry<String, Double> e : values.entrySet()) {
      String field = "reserved_by_class." + e.getKey();
      if (!CLASSES.contains(e.getKey())) {
        throw new IllegalArgumentException("reserved_by_class: unknown latency class '" + e.getKey()
            + "' (expected: interactive or standard)");
      }
      if (e.getKey().equals("batch")) {
        throw new IllegalArgumentException(field + ": the least urgent class has nothing to be kept from "
            + "(expected: interactive or standard)");
      }
      double v = Checks.present(field, e.getValue());
      if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(field + ": " + v + " (expected: 0 <= share < 1)");
      sum += v;
      out.put(e.getKey(), v);
    }
    if (sum >= 1) {
      throw new IllegalArgumentException("reserved_by_class: shares sum to " + sum + " (expected: < 1, so that batch "
          + "work is admitted at all)");
    }
    return Map.copyOf(out);
  }

  private static List<Integer> sorted(List<Integer> values) {
    return Checks.list(values).stream().sorted().distinct().toList();
  }

  private static void within(String field, int value, int maxBatchSize) {
    if (value < 1 || value > maxBatchSize) {
      throw new IllegalArgumentException(
          field + ": " + value + " (expected: 1.." + maxBatchSize + ", within max_batch_size)");
    }
  }

  private static void nonNegative(String field, Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(field + ": " + Durations.format(d) + " (expected: >= 0)");
    }
  }

  private static Map<String, Duration> byClass(String field, Map<String, Duration> values) {
    if (values == null) {
      return Map.of();
    }
    Map<String, Duration> out = new TreeMap<>();
    for (Map.Entry<String, Duration> e : values.entrySet()) {
      if (!CLASSES.contains(e.getKey())) {
        throw new IllegalArgumentException(
            field + ": unknown latency class '" + e.getKey() + "' (expected: interactive, standard or batch)");
      }
      Checks.present(field + "." + e.getKey(), e.getValue());
      nonNegative(field + "." + e.getKey(), e.getValue());
      out.put(e.getKey(), e.getValue());
    }
    return Map.copyOf(out);
  }
}
