package dev.laneway.loadtests.executor;

import static dev.laneway.loadtests.executor.ExecutorBench.SEQUENCE_MULTIPLE;
import static dev.laneway.loadtests.executor.ExecutorBench.round;

import dev.laneway.loadtests.OfflineBatches;
import dev.laneway.loadtests.OfflineBatches.Batch;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * The executor benchmark's offline phases, pre-tokenised, straight on native sessions (one thread per session): (1)
 * the physical limit, the best of several offline batchings ({@link OfflineBatches}, the same batching and padding as
 * the e2e bench's limit); (2) the bucketing gain, length-sorted buckets vs every input padded (or truncated) to 128;
 * (3) what pooled native buffers save over fresh ones. Writes its figures into the benchmark's result map.
 *
 * <p>Runs on the benchmark's thread; {@link #sentencesPerSecond} starts and joins one thread per session.
 */
final class OfflinePhases {
  private final List<EncoderSession> sessions;
  private final boolean quick;
  private final Map<String, Object> out;
  /** The limit's offline batching: rows per batch, or (negative) a padded-token bound. */
  private int limitShape;

  OfflinePhases(List<EncoderSession> sessions, boolean quick, Map<String, Object> out) {
    this.sessions = sessions;
    this.quick = quick;
    this.out = out;
  }

  /** Phases 1-3. */
  void run(List<Tokens> tokens) {
    // every 2nd sentence (the same mix) keeps the full run near a minute
    List<Tokens> half = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i += quick ? 1 : 2) half.add(tokens.get(i));
    out.put("limit_sentences", half.size());
    List<Tokens> sorted = sortedByLength(half);
    double best = 0;
    int bestB = 0;
    for (int b : quick ? List.of(16, 32) : List.of(8, 16, 32)) {
      double sps = sentencesPerSecond(batches(sorted, b));
      out.put("offline_sps_b" + b, round(sps, 1));
      if (sps > best) {
        best = sps;
        bestB = b;
      }
    }
    // batches bounded by padded tokens instead of rows (as max_batch_tokens does), up to 32 rows
    for (int cap : quick ? List.of(256) : List.of(256, 512, 1024)) {
      double sps = sentencesPerSecond(limitBatches(sorted, -cap));
      out.put("offline_sps_t" + cap, round(sps, 1));
      if (sps > best) {
        best = sps;
        bestB = -cap;
      }
    }
    out.put("limit_sps", round(best, 1));
    limitShape = bestB;
    out.put("limit_batching", bestB < 0 ? "<= " + (-bestB) + " padded tokens, <= 32 rows" : bestB + " rows");
    long real = 0;
    long computed = 0;
    for (Batch<Tokens> b : limitBatches(sorted, bestB)) {
      for (Tokens t : b.items()) real += t.length();
      computed += (long) b.items().size() * b.length();
    }
    out.put("limit_padding_efficiency", round((double) real / computed, 3));

    // bucketing gain on a fixed sample: length-sorted buckets vs everything padded (or truncated) to 128
    List<Tokens> sample = new ArrayList<>(tokens);
    Collections.shuffle(sample, new Random(42));
    sample = sample.subList(0, Math.min(sample.size(), quick ? 96 : 320));
    List<Tokens> sampleSorted = sortedByLength(sample);
    // the same batching as the limit; padded to 128, as many rows as the same padded-token budget allows
    int rowsB = bestB < 0 ? Math.max(1, -bestB / 128) : bestB;
    double bucketed = sentencesPerSecond(limitBatches(sampleSorted, bestB));
    List<Tokens> truncated = sample.stream().map(t -> t.length() <= 128 ? t
        : new Tokens(Arrays.copyOf(t.ids(), 128), Arrays.copyOf(t.typeIds(), 128), true)).toList();
    double padded = sentencesPerSecond(batches(truncated, rowsB).stream().map(b -> b.paddedTo(128)).toList());
    out.put("bucketed_sample_sps", round(bucketed, 1));
    out.put("padded128_sample_sps", round(padded, 1));
    out.put("bucketing_gain", round(bucketed / padded, 2));

    // pooled (pinned output, reused direct buffers) vs naive (fresh buffers, copied output), one session
    EncoderSession s = sessions.get(0);
    List<Batch<Tokens>> bs = batches(sampleSorted, rowsB);
    long pooled = 0;
    long naive = 0;
    for (int round = 0; round < (quick ? 1 : 2); round++) {
      long a = System.nanoTime();
      for (Batch<Tokens> b : bs) s.embed(b.items(), b.items().size(), b.length());
      long m = System.nanoTime();
      for (Batch<Tokens> b : bs) s.embedNaive(b.items(), b.length());
      long z = System.nanoTime();
      pooled += m - a;
      naive += z - m;
    }
    out.put("pooled_buffers_saving_pct", round(100.0 * (naive - pooled) / naive, 1));
  }

  /**
   * Saturation's paired offline pass (after {@link #run}): the whole corpus, length-sorted, in the limit's batching;
   * each call measures one pass in sentences per second.
   */
  DoubleSupplier pairedPass(List<Tokens> tokens) {
    List<Batch<Tokens>> all = limitBatches(sortedByLength(tokens), limitShape);
    return () -> sentencesPerSecond(all);
  }

  private static List<Tokens> sortedByLength(List<Tokens> tokens) {
    List<Tokens> sorted = new ArrayList<>(tokens);
    sorted.sort(Comparator.comparingInt(Tokens::length));
    return sorted;
  }

  /** Batches of {@code rows} in order, each padded to its longest item. */
  private static List<Batch<Tokens>> batches(List<Tokens> items, int rows) {
    return OfflineBatches.of(items, Tokens::length, rows, 0, SEQUENCE_MULTIPLE);
  }

  /** The offline batches of the limit's shape: negative = a padded-token bound (up to 32 rows), else a row count. */
  private static List<Batch<Tokens>> limitBatches(List<Tokens> sorted, int shape) {
    return shape < 0 ? OfflineBatches.of(sorted, Tokens::length, 32, -shape, SEQUENCE_MULTIPLE) : batches(sorted, shape);
  }

  /** Sentences per second with one thread per session pulling batches from a shared index. */
  private double sentencesPerSecond(List<Batch<Tokens>> batches) {
    AtomicInteger next = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (EncoderSession s : sessions) {
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i; (i = next.getAndIncrement()) < batches.size(); ) {
          Batch<Tokens> b = batches.get(i);
          s.embed(b.items(), b.items().size(), b.length());
        }
      }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int n = 0;
    for (Batch<Tokens> b : batches) n += b.items().size();
    return n / ((System.nanoTime() - start) / 1e9);
  }
}
