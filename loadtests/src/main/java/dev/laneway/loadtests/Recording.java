package dev.laneway.loadtests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Everything one open-loop run observed: latency of successes (HdrHistogram, microseconds, 1 µs .. 1 h, 3 digits),
 * per-second histograms keyed by the INTENDED send second (so phases and time plots line up with the schedule),
 * errors by reason, where requests were served (lane, device, region), answers that were spilled or hedged, failures
 * that carried a {@code Retry-After} header (by reason), and gateway overhead (client latency minus the gateway's
 * {@code executor_ms}).
 *
 * <p>Thread-safe: completions arrive on client threads (event loops, gRPC executors) and are recorded under this
 * object's lock; the scheduler thread reads snapshots for its progress line.
 */
public final class Recording {
  private static final long MAX_MICROS = 3_600_000_000L;
  /** Where the per-length breakdown splits: the corpus's long tail (2.6% of {@code en} has at least this many). */
  public static final int LONG_TOKENS = 128;

  private final String label;
  private final Histogram ok = histogram();
  private final Histogram overhead = histogram();
  /** executor_ms minus the executor's own queue + compute: the lane's overhead (for a remote lane, the hop). */
  private final Histogram laneOverhead = histogram();
  /** The executor's own queue wait ({@code queue_ms}) and the batch's compute ({@code compute_ms}), where reported. */
  private final Histogram executorQueue = histogram();
  private final Histogram batchCompute = histogram();
  private final List<Histogram> perSecond = new ArrayList<>();
  /** Latency of successes by the request's tokens (when the answer reports them): under and from {@link #LONG_TOKENS}. */
  private final Histogram shortTexts = histogram();
  private final Histogram longTexts = histogram();
  private final List<long[]> perSecondErrors = new ArrayList<>();
  private final Map<String, Long> errors = new TreeMap<>();
  private final Map<String, Long> lanes = new TreeMap<>();
  private final Map<String, Long> devices = new TreeMap<>();
  private final Map<String, Long> regions = new TreeMap<>();
  private final Map<String, Long> retryAfter = new TreeMap<>();
  private long sent;
  private long sentences;
  private long answered;
  private long degraded;
  private long standIn;
  private long spilled;
  private long hedged;
  private long startNanos;
  private long endNanos;
  private boolean closed;
  private Histogram window = histogram();

  public Recording(String label) {
    this.label = label;
  }

  static Histogram histogram() {
    return new Histogram(1, MAX_MICROS, 3);
  }

  public String label() {
    return label;
  }

  synchronized void started(long nanos) {
    startNanos = nanos;
  }

  synchronized void ended(long nanos) {
    endNanos = nanos;
  }

  synchronized void sent(int texts) {
    sent++;
    sentences += texts;
  }

  /** One answer to a request whose intended send time was {@code intendedNanos}. */
  public synchronized void record(long intendedNanos, long doneNanos, Reply reply) {
    if (closed) return; // answered after the grace period: already counted lost
    answered++;
    long micros = Math.max(1, Math.min(MAX_MICROS, (doneNanos - intendedNanos) / 1000));
    int second = (int) Math.max(0, (intendedNanos - startNanos) / 1_000_000_000L);
    while (perSecond.size() <= second) {
      perSecond.add(histogram());
      perSecondErrors.add(new long[1]);
    }
    if (reply.ok()) {
      ok.recordValue(micros);
      window.recordValue(micros);
      perSecond.get(second).recordValue(micros);
      if (reply.tokens() > 0) (reply.tokens() >= LONG_TOKENS ? longTexts : shortTexts).recordValue(micros);
      if (!Double.isNaN(reply.executorMs())) {
        overhead.recordValue(Math.max(1, micros - Math.round(reply.executorMs() * 1000)));
        if (!Double.isNaN(reply.computedMs())) {
          laneOverhead.recordValue(Math.max(1, Math.round((reply.executorMs() - reply.computedMs()) * 1000)));
          if (!Double.isNaN(reply.queueMs())) {
            executorQueue.recordValue(Math.max(1, Math.round(reply.queueMs() * 1000)));
            batchCompute.recordValue(Math.max(1, Math.round((reply.computedMs() - reply.queueMs()) * 1000)));
          }
        }
      }
      count(lanes, reply.lane());
      count(devices, reply.device());
      count(regions, reply.region());
      if (Boolean.TRUE.equals(reply.degraded())) degraded++;
      if (Boolean.TRUE.equals(reply.standIn())) standIn++;
      if (reply.spilledFrom() != null) spilled++;
      if (Boolean.TRUE.equals(reply.hedged())) hedged++;
    } else {
      count(errors, reply.error());
      if (reply.retryAfter()) count(retryAfter, reply.error());
      perSecondErrors.get(second)[0]++;
    }
  }

  /**
   * Closes the run after the grace period: requests sent and not answered by now are counted {@code lost}; later
   * answers are ignored, so {@code sent == answered + lost} always holds.
   */
  synchronized void close() {
    closed = true;
    long lost = sent - answered;
    if (lost > 0) errors.merge("lost", lost, Long::sum);
  }

  private static void count(Map<String, Long> m, String key) {
    if (key != null) m.merge(key, 1L, Long::sum);
  }

  public synchronized long sent() {
    return sent;
  }

  public synchronized long sentences() {
    return sentences;
  }

  public synchronized long answered() {
    return answered;
  }

  public synchronized long succeeded() {
    return ok.getTotalCount();
  }

  /** Failures by reason, {@code lost} included when some requests were never answered. */
  public synchronized Map<String, Long> errors() {
    return new TreeMap<>(errors);
  }

  public synchronized long failed() {
    long n = 0;
    for (Map.Entry<String, Long> e : errors.entrySet()) {
      if (!e.getKey().equals("lost")) n += e.getValue();
    }
    return n;
  }

  public synchronized Map<String, Long> lanes() {
    return new TreeMap<>(lanes);
  }

  public synchronized Map<String, Long> devices() {
    return new TreeMap<>(devices);
  }

  public synchronized Map<String, Long> regions() {
    return new TreeMap<>(regions);
  }

  public synchronized long degraded() {
    return degraded;
  }

  public synchronized long standIn() {
    return standIn;
  }

  /** Successful answers that carried {@code spilled_from}. */
  public synchronized long spilled() {
    return spilled;
  }

  /** Successful answers that carried {@code hedged: true}. */
  public synchronized long hedged() {
    return hedged;
  }

  /** Failures whose answer carried a {@code Retry-After} header, by reason. */
  public synchronized Map<String, Long> retryAfter() {
    return new TreeMap<>(retryAfter);
  }

  public synchronized Histogram latency() {
    return ok.copy();
  }

  /** executor_ms minus the executor's reported queue + compute, in micros (the lane's own overhead). */
  /** Latency of successes whose texts had fewer than {@link #LONG_TOKENS} tokens ({@code long}: at least as many). */
  public synchronized Histogram byLength(boolean longTexts) {
    return (longTexts ? this.longTexts : shortTexts).copy();
  }

  /** The executor's queue wait ({@code queue_ms}) of successes that report it, in micros. */
  public synchronized Histogram executorQueue() {
    return executorQueue.copy();
  }

  /** The compute of the batch each success ran in ({@code compute_ms}), in micros. */
  public synchronized Histogram batchCompute() {
    return batchCompute.copy();
  }

  public synchronized Histogram laneOverhead() {
    return laneOverhead.copy();
  }

  public synchronized Histogram overhead() {
    return overhead.copy();
  }

  /** Successes whose intended send second is in {@code [fromSecond, toSecond)}. */
  public synchronized Histogram between(int fromSecond, int toSecond) {
    Histogram h = histogram();
    for (int s = Math.max(0, fromSecond); s < Math.min(toSecond, perSecond.size()); s++) h.add(perSecond.get(s));
    return h;
  }

  /** Per intended second: {p50 ms, p99 ms, successes, failures}. */
  public synchronized List<double[]> timeline() {
    List<double[]> out = new ArrayList<>();
    for (int s = 0; s < perSecond.size(); s++) {
      Histogram h = perSecond.get(s);
      out.add(new double[] {ms(h, 50), ms(h, 99), h.getTotalCount(), perSecondErrors.get(s)[0]});
    }
    return out;
  }

  /** Successes recorded since the last call; for the progress line. */
  synchronized Histogram takeWindow() {
    Histogram w = window;
    window = histogram();
    return w;
  }

  /** Sentences per second answered successfully, over the scheduled duration. */
  public synchronized double throughput(int textsPerRequest) {
    double seconds = (endNanos - startNanos) / 1e9;
    return seconds <= 0 ? 0 : ok.getTotalCount() * (double) textsPerRequest / seconds;
  }

  /** A percentile in milliseconds, NaN when empty. */
  public static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }
}
