package dev.laneway.loadtests.executor;

import static dev.laneway.loadtests.executor.ExecutorBench.KEY;
import static dev.laneway.loadtests.executor.ExecutorBench.MAX_BATCH_TOKENS;
import static dev.laneway.loadtests.executor.ExecutorBench.SEQUENCE_MULTIPLE;
import static dev.laneway.loadtests.executor.ExecutorBench.pct;
import static dev.laneway.loadtests.executor.ExecutorBench.round;
import static dev.laneway.loadtests.executor.ExecutorBench.sleep;

import dev.laneway.executor.BatchPolicy;
import dev.laneway.executor.EmbedRequest;
import dev.laneway.executor.EmbedResult;
import dev.laneway.executor.ExecutorConfig;
import dev.laneway.executor.LaneExecutor;
import dev.laneway.executor.Placement;
import dev.laneway.executor.Priority;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * The executor benchmark's phases through a {@link LaneExecutor}, tokenisation included: (4) saturation, paired with
 * offline passes; (5) interactive overhead at 10% load; (6) interactive queue time under a batch-class flood. Writes
 * its figures into the benchmark's result map.
 *
 * <p>Runs on the benchmark's thread; phase 6 starts two load generators ({@link ExecutorLoad}) and joins them.
 */
final class OnlinePhases {
  private final boolean quick;
  private final double seconds;
  private final int instances;
  private final Map<String, Object> out;

  OnlinePhases(boolean quick, double seconds, int instances, Map<String, Object> out) {
    this.quick = quick;
    this.seconds = seconds;
    this.instances = instances;
    this.out = out;
  }

  /**
   * Phases 4-6, after the offline phases wrote {@code limit_sps}; {@code offlinePass} measures one paired offline pass
   * (sentences per second).
   */
  void run(List<String> corpus, DoubleSupplier offlinePass) throws Exception {
    double limit = (double) out.get("limit_sps");
    BatchPolicy policy = new BatchPolicy(32, List.of(8, 16, 32),
        BatchPolicy.delays(Duration.ZERO, Duration.ofMillis(2), Duration.ofMillis(10)), SEQUENCE_MULTIPLE, List.of(),
        List.of(), MAX_BATCH_TOKENS);
    out.put("policy", "max_batch_size 32, preferred 8/16/32, delay interactive 0 / standard 2ms / batch 10ms, "
        + "sequence multiple " + SEQUENCE_MULTIPLE + ", max_batch_tokens " + MAX_BATCH_TOKENS + ", max_queue_size 4096");
    List<String> shuffled = new ArrayList<>(corpus);
    Collections.shuffle(shuffled, new Random(7));
    try (LaneExecutor ex = LaneExecutor.start(new ExecutorConfig("bench", "local", policy, 4096, instances, 1),
        List.of(new Placement("cpu0", List.of("cpu"))), List.of(ExecutorBench.MODEL))) {
      // 4. saturation: every sentence of the corpus arrives at once, one batch-class request each (far above capacity;
      // no client waits; tokenisation included), and the executor orders and batches them itself. Each round is paired
      // with an offline pass over the same sentences right after it, so that both see the same machine (it may be
      // shared); the ratio is over the paired rounds. The whole corpus (not the sweep's half) keeps the burst's start,
      // while the first requests are tokenised, and its tail, when one instance runs the last batch alone, small beside
      // the steady state being measured. Unmeasured bursts first warm the executor's code (the offline sessions are
      // warm: phases 1-3 ran them; measured here, the JIT took 5-8% of the CPU during a first burst).
      for (int w = 0; w < (quick ? 1 : 2); w++) {
        burst(ex, corpus, 50 + w);
      }
      double execSum = 0;
      double offSum = 0;
      double busy = 0;
      int rounds = quick ? 1 : 3;
      for (int round = 0; round < rounds; round++) {
        double[] sat = burst(ex, corpus, 100 + round);
        double e = sat[0];
        busy += sat[1];
        double o = offlinePass.getAsDouble();
        out.put("saturated_sps_round" + round, round(e, 1));
        out.put("limit_sps_round" + round, round(o, 1));
        execSum += e;
        offSum += o;
      }
      out.put("saturation_sentences", corpus.size());
      out.put("saturation_instance_busy", round(busy / rounds, 3));
      out.put("limit_sps_sweep", round(limit, 1));
      limit = offSum / rounds;
      out.put("limit_sps", round(limit, 1));
      out.put("saturated_sps", round(execSum / rounds, 1));
      out.put("saturation_ratio", round(execSum / offSum, 3));
      out.put("padding_efficiency", round(ex.stats().paddingEfficiency(), 3));
      out.put("texts_per_batch", round((double) ex.stats().inferenceCount() / ex.stats().executionCount(), 1));

      // 5. interactive overhead at 10% load. Pairs on the same sentence, each call after an idle gap drawn from the
      // 10%-load arrival process (so both start equally cold): a direct tokenise + single ORT call on this thread,
      // then the same sentence through the executor (latency from submit to completion, on the instance thread).
      List<String> probe = shuffled.stream().filter(s -> s.length() < 300).limit(quick ? 40 : 200).toList();
      List<Double> overhead = new ArrayList<>();
      List<Double> latency = new ArrayList<>();
      List<Double> direct = new ArrayList<>();
      List<Double> queued = new ArrayList<>();
      List<Double> computed = new ArrayList<>();
      try (Tokenizer tok = Tokenizer.load(ExecutorBench.SPEC);
          EncoderSession alone = EncoderSession.open(ExecutorBench.SPEC, List.of("cpu"), 1)) {
        alone.embed(List.of(tok.encode("warm-up")));
        Random r = new Random(11);
        double meanGap = 1 / (0.1 * limit);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int i = 0; System.nanoTime() < end; i++) {
          String text = probe.get(i % probe.size());
          sleep(-Math.log(1 - r.nextDouble()) * meanGap);
          long a = System.nanoTime();
          alone.embed(List.of(tok.encode(text)));
          double d = (System.nanoTime() - a) / 1e6;
          sleep(-Math.log(1 - r.nextDouble()) * meanGap);
          AtomicLong done = new AtomicLong();
          long submitted = System.nanoTime();
          EmbedResult res = ex.submit(new EmbedRequest(KEY, List.of(text), submitted + TimeUnit.SECONDS.toNanos(60),
              Priority.INTERACTIVE)).whenComplete((x, err) -> done.set(System.nanoTime())).get(60, TimeUnit.SECONDS);
          double lat = (done.get() - submitted) / 1e6;
          queued.add(res.queueNanos() / 1e6);
          computed.add(res.computeNanos() / 1e6);
          direct.add(d);
          latency.add(lat);
          overhead.add(lat - d);
        }
      }
      out.put("direct_p50_ms", round(pct(direct, 0.5), 3));
      out.put("interactive_p50_latency_ms", round(pct(latency, 0.5), 3));
      out.put("interactive_p50_overhead_ms", round(pct(overhead, 0.5), 3));
      out.put("interactive_p99_overhead_ms", round(pct(overhead, 0.99), 3));
      out.put("interactive_samples", overhead.size());
      out.put("interactive_p50_queue_ms", round(pct(queued, 0.5), 3));
      out.put("interactive_p50_compute_ms", round(pct(computed, 0.5), 3));

      // 6. interactive queue time while batch-class traffic saturates the lane
      ex.stats().resetMaxExec();
      ExecutorLoad flood = new ExecutorLoad(ex, shuffled, Priority.BATCH, 2.5 * limit);
      flood.burst = 4096;
      ExecutorLoad urgent = new ExecutorLoad(ex, probe, Priority.INTERACTIVE, 20);
      urgent.poisson = true;
      Thread g1 = Thread.ofPlatform().start(flood::run);
      sleep(quick ? 0.5 : 1);
      Thread g2 = Thread.ofPlatform().start(urgent::run);
      sleep(seconds);
      urgent.stop = true;
      g2.join();
      flood.stopAndCancel(g1);
      ex.awaitIdle(Duration.ofSeconds(120));
      List<Double> queue = new ArrayList<>();
      for (long[] s : urgent.samples) queue.add(s[2] / 1e6);
      out.put("interactive_p99_queue_ms_under_batch_load", round(pct(queue, 0.99), 3));
      out.put("interactive_p50_queue_ms_under_batch_load", round(pct(queue, 0.5), 3));
      out.put("interactive_samples_under_batch_load", queue.size());
      out.put("max_batch_exec_ms", round(ex.stats().maxExecNanos() / 1e6, 3));
    }
  }


  /**
   * Submits {@code texts}, shuffled by {@code seed}, at once as batch-class requests and waits for every answer.
   *
   * @return sentences per second, and how busy the instances were (time in compute over instances x elapsed)
   */
  private double[] burst(LaneExecutor ex, List<String> texts, long seed) throws Exception {
    List<String> burst = new ArrayList<>(texts);
    Collections.shuffle(burst, new Random(seed));
    List<CompletableFuture<EmbedResult>> fs = new ArrayList<>(burst.size());
    long busy0 = ex.stats().computeNanos();
    long a = System.nanoTime();
    for (String text : burst) {
      fs.add(ex.submit(new EmbedRequest(KEY, List.of(text), Long.MAX_VALUE, Priority.BATCH)));
    }
    for (CompletableFuture<EmbedResult> f : fs) f.get(300, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - a) / 1e9;
    return new double[] {burst.size() / elapsed, (ex.stats().computeNanos() - busy0) / 1e9 / (instances * elapsed)};
  }
}
