package dev.laneway.gateway.slo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The last answers of each latency class (at most {@link #CAPACITY} per class), for what a histogram cannot give the
 * status page: exact p50/p99 over the last minute, and the slowest requests with their trace ids (a link to each
 * trace). Bounded memory: a ring per class. Thread-safe: {@link #record} on lane threads, readers on event loops.
 */
public final class RecentAnswers {
  /** Answers kept per class. */
  public static final int CAPACITY = 4096;

  private final LongSupplier nanos;
  private final java.util.Map<String, Ring> rings = new java.util.LinkedHashMap<>();

  RecentAnswers(List<String> classes, LongSupplier nanos) {
    this.nanos = nanos;
    for (String c : classes) rings.put(c, new Ring(c));
  }

  /** One answer (or failure) of a class; {@code traceId} may be null. */
  void record(String latencyClass, long durationNanos, String outcome, String traceId) {
    Ring r = rings.get(latencyClass);
    if (r != null) r.add(nanos.getAsLong(), durationNanos, outcome, traceId);
  }

  /** One request, as the status page lists it. */
  public record Answer(String latencyClass, long atNanos, long durationNanos, String outcome, String traceId) {}

  /**
   * A class's answers over the last {@code windowNanos}.
   *
   * @param p50Ms NaN when there were none
   */
  public record Summary(int count, double p50Ms, double p99Ms) {}

  public Summary summary(String latencyClass, long windowNanos) {
    List<Answer> a = rings.get(latencyClass).since(nanos.getAsLong() - windowNanos);
    if (a.isEmpty()) return new Summary(0, Double.NaN, Double.NaN);
    long[] d = a.stream().mapToLong(Answer::durationNanos).toArray();
    Arrays.sort(d);
    return new Summary(d.length, quantile(d, 0.5) / 1e6, quantile(d, 0.99) / 1e6);
  }

  /** The {@code n} slowest answers of every class over the last {@code windowNanos}, slowest first. */
  public List<Answer> slowest(int n, long windowNanos) {
    List<Answer> all = new ArrayList<>();
    long since = nanos.getAsLong() - windowNanos;
    for (Ring r : rings.values()) all.addAll(r.since(since));
    all.sort(Comparator.comparingLong(Answer::durationNanos).reversed());
    return all.subList(0, Math.min(n, all.size()));
  }

  /** Nearest rank. */
  static long quantile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static final class Ring {
    private final String latencyClass;
    private final Answer[] items = new Answer[CAPACITY];
    private int next;

    Ring(String latencyClass) {
      this.latencyClass = latencyClass;
    }

    synchronized void add(long at, long duration, String outcome, String traceId) {
      items[next] = new Answer(latencyClass, at, duration, outcome, traceId);
      next = (next + 1) % CAPACITY;
    }

    synchronized List<Answer> since(long since) {
      List<Answer> out = new ArrayList<>();
      for (Answer a : items) if (a != null && a.atNanos() >= since) out.add(a);
      return out;
    }
  }
}
