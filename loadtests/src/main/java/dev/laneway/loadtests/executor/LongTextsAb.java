package dev.laneway.loadtests.executor;

import dev.laneway.executor.BatchPolicy;
import dev.laneway.executor.EmbedRequest;
import dev.laneway.executor.ExecutorConfig;
import dev.laneway.executor.LaneExecutor;
import dev.laneway.executor.Placement;
import dev.laneway.executor.Priority;
import dev.laneway.loadtests.Corpus;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A/B of {@code long_text_tokens} in one process, on a shared machine: two lanes with the embedded default's
 * {@code hk-general} batching (2 instances, ≤ 32 rows and ≤ 256 padded tokens, standard window 2 ms), one with long
 * texts off and one with them at 128 tokens, offered the {@code en} corpus open loop (Poisson, standard class, one text
 * per request) at fractions of the off lane's saturated throughput, in alternating rounds so that both see the same
 * machine. Latency runs from each request's intended send time to its completion (no coordinated omission), by
 * length (the answer's token count under or from 128).
 *
 * <p>{@code java ... LongTextsAb [seconds per round] [rounds] [fraction ...]}, e.g. {@code 4 3 0.5 0.7 0.85}.
 */
public final class LongTextsAb {
  private LongTextsAb() {}

  static BatchPolicy policy(int longTextTokens) {
    return new BatchPolicy(32, List.of(8, 16, 32), BatchPolicy.delays(Duration.ZERO, Duration.ofMillis(2),
        Duration.ofMillis(10)), 1, List.of(), List.of(), 256).withYieldingBatchTokens(64)
        .withUrgentReservedInstances(1).withLongTextTokens(longTextTokens);
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    double[] fractions = {0.5, 0.7, 0.85};
    if (args.length > 2) {
      fractions = new double[args.length - 2];
      for (int i = 2; i < args.length; i++) fractions[i - 2] = Double.parseDouble(args[i]);
    }
    List<String> corpus = Corpus.load("en").lines();
    List<Placement> cpu = List.of(new Placement("cpu0", List.of("cpu")));
    try (LaneExecutor off = LaneExecutor.start(new ExecutorConfig("off", "local", policy(0), 4096, 2, 1), cpu,
            List.of(ExecutorBench.MODEL));
        LaneExecutor on = LaneExecutor.start(new ExecutorConfig("on", "local", policy(128), 4096, 2, 1), cpu,
            List.of(ExecutorBench.MODEL))) {
      for (int w = 0; w < 2; w++) { // warm both (JIT), then the saturated rate of each
        burst(off, corpus);
        burst(on, corpus);
      }
      double satOff = burst(off, corpus);
      double satOn = burst(on, corpus);
      System.out.printf(Locale.ROOT, "saturated: off %.1f sps, on %.1f sps%n", satOff, satOn);
      for (double f : fractions) {
        double rate = f * satOff;
        Histogram[][] h = new Histogram[2][3]; // [off, on][all, short, long]
        for (Histogram[] row : h) {
          for (int i = 0; i < 3; i++) row[i] = new Histogram(1, 3_600_000_000L, 3);
        }
        for (int r = 0; r < rounds; r++) {
          boolean onFirst = r % 2 == 1;
          for (int k = 0; k < 2; k++) {
            boolean isOn = onFirst == (k == 0);
            Histogram round = new Histogram(1, 3_600_000_000L, 3);
            LaneExecutor ex = isOn ? on : off;
            long batches = ex.stats().executionCount();
            long texts = ex.stats().inferenceCount();
            offer(ex, corpus, rate, seconds, 1000 + r, h[isOn ? 1 : 0], round);
            System.out.printf(Locale.ROOT, "  round %d %-3s p50 %6.1f p99 %7.1f ms, %.1f texts per batch%n", r,
                isOn ? "on" : "off", ms(round, 50), ms(round, 99),
                (double) (ex.stats().inferenceCount() - texts) / (ex.stats().executionCount() - batches));
          }
        }
        for (int v = 0; v < 2; v++) {
          System.out.printf(Locale.ROOT, "%.2f x %.0f sps = %.1f/s %-3s | all p50 %5.1f p99 %6.1f | <128 n=%d p50 %5.1f"
              + " p99 %6.1f | >=128 n=%d p50 %5.1f p99 %6.1f max %6.1f ms%n", f, satOff, rate, v == 0 ? "off" : "on",
              ms(h[v][0], 50), ms(h[v][0], 99), h[v][1].getTotalCount(), ms(h[v][1], 50), ms(h[v][1], 99),
              h[v][2].getTotalCount(), ms(h[v][2], 50), ms(h[v][2], 99), ms(h[v][2], 100));
        }
      }
    }
  }

  static double ms(Histogram h, double pct) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(pct) / 1000.0;
  }

  /** The whole corpus at once, batch class: sentences per second. */
  static double burst(LaneExecutor ex, List<String> corpus) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(corpus.size());
    long t0 = System.nanoTime();
    for (String s : corpus) {
      ex.submit(new EmbedRequest(ExecutorBench.KEY, List.of(s), Long.MAX_VALUE, Priority.BATCH))
          .whenComplete((r, e) -> done.countDown());
    }
    done.await(10, TimeUnit.MINUTES);
    return corpus.size() / ((System.nanoTime() - t0) / 1e9);
  }

  /** Open loop at {@code rate} for {@code seconds}; waits for every answer. */
  static void offer(LaneExecutor ex, List<String> corpus, double rate, double seconds, long seed, Histogram[] h,
      Histogram round) throws InterruptedException {
    Random random = new Random(seed);
    int n = (int) (rate * seconds);
    CountDownLatch done = new CountDownLatch(n);
    long start = System.nanoTime();
    long at = start;
    for (int i = 0; i < n; i++) {
      at += (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
      long wait = at - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      long intended = at;
      String text = corpus.get(random.nextInt(corpus.size()));
      ex.submit(new EmbedRequest(ExecutorBench.KEY, List.of(text), Long.MAX_VALUE, Priority.STANDARD))
          .whenComplete((r, e) -> {
            long micros = Math.max(1, (System.nanoTime() - intended) / 1000);
            synchronized (h) {
              h[0].recordValue(micros);
              round.recordValue(micros);
              if (r != null) h[r.tokenCounts()[0] >= 128 ? 2 : 1].recordValue(micros);
            }
            done.countDown();
          });
    }
    done.await(10, TimeUnit.MINUTES);
  }
}
