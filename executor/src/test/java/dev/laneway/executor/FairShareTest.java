package dev.laneway.executor;

import static dev.laneway.executor.LaneExecutorTest.CPU;
import static dev.laneway.executor.LaneExecutorTest.INT8;
import static dev.laneway.executor.LaneExecutorTest.awaitTrue;
import static dev.laneway.executor.LaneExecutorTest.config;
import static dev.laneway.executor.LaneExecutorTest.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Weighted fair share between tenants within a latency class, charged in tokens, and aging between classes: the tag
 * arithmetic and the batch decision alone, then the executor against the real int8 MiniLM on ONNX Runtime's CPU
 * provider, with closed-loop tenants that each keep a fixed number of requests in flight (several full batches, so
 * each is backlogged all the time). Shares are measured on the executor's own per-tenant served-token counters between
 * two snapshots taken while every tenant is backlogged, and printed. After each test: nothing leaks, and the fair
 * queues remember no tenant.
 */
class FairShareTest {
  static final String[] WORDS = {"the", "city", "river", "market", "night", "boat", "light", "street", "tea", "rain",
      "island", "bridge", "train", "music", "garden", "window", "summer", "mountain", "school", "coffee"};

  LaneExecutor executor;
  final List<Flood> floods = new ArrayList<>();

  @AfterEach
  void noLeaks() throws InterruptedException {
    floods.forEach(Flood::stop);
    if (executor == null) return;
    LaneExecutorTest.assertNoLeaks(executor);
    for (Priority p : Priority.values()) assertEquals(0, executor.tenantsRemembered(p), p + ": tenants forgotten");
    for (Flood f : floods) assertTrue(f.failures.isEmpty(), f.tenant + " failed: " + f.failures);
    executor.close();
  }

  // ---- the arithmetic, no ONNX Runtime -------------------------------------------------------------------------

  @Test
  void tags_areMaxOfClockAndLastFinish_plusTokensOverWeight_andTenantStateIsForgotten() {
    FairClock clock = new FairClock();
    assertEquals(16, clock.tag("a", 16, 1), 1e-12);
    assertEquals(32, clock.tag("a", 16, 1), 1e-12); // a's own backlog: after its last finish
    assertEquals(16.0 / 3, clock.tag("b", 16, 3), 1e-12); // weight 3: a third of the virtual time per token
    assertEquals(32.0 / 3, clock.tag("b", 16, 3), 1e-12);
    assertEquals(32.0 / 3 + 64, clock.tag("b", 192, 3), 1e-12); // charged by tokens, not requests
    clock.advance(16); // a batch headed by a's first item ran
    assertEquals(16, clock.virtualTime(), 1e-12);
    clock.advance(10); // never back
    assertEquals(16, clock.virtualTime(), 1e-12);
    assertEquals(16 + 8, clock.tag("c", 8, 1), 1e-12); // a newcomer starts at the clock: no credit for idle time
    assertEquals(3, clock.tenants());
    clock.left("c"); // c's only item left, but its finish (24) is ahead of the clock (16): remembered
    assertEquals(3, clock.tenants());
    assertEquals(24 + 8, clock.tag("c", 8, 1), 1e-12); // so it is not served again as if it had never been
    clock.left("c");
    clock.advance(40); // the clock passes c's finish (32): forgotten
    assertEquals(2, clock.tenants());
    clock.left("a");
    clock.left("a"); // a's finish (32) is behind the clock: forgotten at once
    assertEquals(1, clock.tenants());
    assertEquals(40 + 16, clock.tag("a", 16, 1), 1e-12);
    clock.reset(); // the class's queue emptied
    assertEquals(0, clock.tenants());
    assertEquals(0, clock.virtualTime(), 1e-12);
  }

  @Test
  void aRequestNamingNoTenant_isTheAnonymousTenantAtWeightOne_andAWeightMustBePositive() {
    EmbedRequest plain = new EmbedRequest(INT8, List.of("x"), Long.MAX_VALUE, Priority.BATCH);
    assertEquals(EmbedRequest.ANONYMOUS, plain.tenant());
    assertEquals(1, plain.weight());
    assertEquals(EmbedRequest.ANONYMOUS, new EmbedRequest(INT8, List.of("x"), 1, Priority.BATCH, "", 2).tenant());
    for (double w : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class,
          () -> new EmbedRequest(INT8, List.of("x"), 1, Priority.BATCH, "acme", w), "weight " + w);
    }
  }

  @Test
  void batcher_headIsTheFirstInServiceOrder_butTheWindowRunsFromTheOldestItem() {
    Batcher b = new Batcher(BatcherTest.dynamic(32, List.of(), 0));
    BatcherTest.View v = new BatcherTest.View();
    long ms = BatcherTest.MS;
    BatcherTest.Q first = v.add(Priority.STANDARD, 10, 1 * ms); // fair order put it first
    v.add(Priority.STANDARD, 12, 0); // the oldest, served second
    Batcher.Wait<BatcherTest.Q> w = assertInstanceOf(Batcher.Wait.class, b.decide(v, ms));
    assertEquals(ms, w.nanos(), "the 2 ms window runs from the oldest item (0), not the head (1 ms)");
    Batcher.Dispatch<BatcherTest.Q> d = BatcherTest.dispatch(b.decide(v, 2 * ms));
    assertEquals("window", d.reason());
    assertSame(first, d.items().getFirst(), "in service order");
  }

  @Test
  void aging_servesAnOldBatchItemBeforeYoungerStandardWork_butNeverBeforeInteractive() {
    long ms = BatcherTest.MS;
    BatchPolicy zeroWindows = new BatchPolicy(4, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ZERO,
        Duration.ZERO), 8, List.of(), List.of(), 0, Duration.ofMillis(500));
    BatcherTest.View v = new BatcherTest.View();
    v.add(Priority.BATCH, 10, 0);
    v.add(Priority.STANDARD, 10, 400 * ms);
    Batcher aging = new Batcher(zeroWindows);
    Batcher strict = new Batcher(zeroWindows.withAgingAfter(Duration.ZERO));
    assertEquals(Priority.STANDARD, BatcherTest.dispatch(aging.decide(v, 499 * ms)).priority(), "not aged yet");
    assertEquals(Priority.BATCH, BatcherTest.dispatch(aging.decide(v, 500 * ms)).priority(), "aged, and older");
    assertEquals(Priority.STANDARD, BatcherTest.dispatch(strict.decide(v, 10_000 * ms)).priority(), "no aging");
    BatcherTest.View older = new BatcherTest.View(); // standard overloaded beyond the bound: oldest first
    older.add(Priority.BATCH, 10, 100 * ms);
    older.add(Priority.STANDARD, 10, 0);
    assertEquals(Priority.STANDARD, BatcherTest.dispatch(aging.decide(older, 900 * ms)).priority(),
        "aged batch work and older standard work: the standard work first");
    older.q.get(Priority.STANDARD).set(0, new BatcherTest.Q(BatcherTest.M, 10, 200 * ms, Long.MAX_VALUE));
    assertEquals(Priority.BATCH, BatcherTest.dispatch(aging.decide(older, 900 * ms)).priority(),
        "aged batch work older than every standard item: the batch work first");
    // a minimum share, not a precedence: a batch dispatched lately (a batch flood runs whenever standard is empty)
    // does not let the backlog go before a standard request; once none ran for agingAfter, one batch goes
    v.lastDispatch.put(Priority.BATCH, 200 * ms);
    assertEquals(Priority.STANDARD, BatcherTest.dispatch(aging.decide(v, 600 * ms)).priority(),
        "aged, but a batch ran 400 ms ago: standard first");
    assertEquals(Priority.BATCH, BatcherTest.dispatch(aging.decide(v, 700 * ms)).priority(),
        "none for 500 ms: batch's turn");
    v.lastDispatch.clear();
    v.add(Priority.INTERACTIVE, 10, 900 * ms);
    assertEquals(Priority.INTERACTIVE, BatcherTest.dispatch(aging.decide(v, 10_000 * ms)).priority(),
        "batch rises to standard, never above: interactive keeps strict priority");
    BatcherTest.View standardOnly = new BatcherTest.View();
    standardOnly.add(Priority.STANDARD, 10, 0);
    standardOnly.add(Priority.INTERACTIVE, 10, 9_000 * ms);
    assertEquals(Priority.INTERACTIVE, BatcherTest.dispatch(aging.decide(standardOnly, 10_000 * ms)).priority(),
        "standard is not aged");
    BatcherTest.View windowed = new BatcherTest.View();
    windowed.add(Priority.BATCH, 10, 0);
    Batcher slow = new Batcher(new BatchPolicy(4, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ofSeconds(30),
        Duration.ofSeconds(30)), 8, List.of(), List.of(), 0, Duration.ofMillis(500)));
    windowed.add(Priority.STANDARD, 10, 100 * ms);
    Batcher.Wait<BatcherTest.Q> w = assertInstanceOf(Batcher.Wait.class, slow.decide(windowed, 200 * ms));
    assertEquals(300 * ms, w.nanos(), "a wait ends when the batch class ages, as the choice changes then");
  }

  // ---- the executor, on the real model -------------------------------------------------------------------------

  @Test
  void equalWeights_saturatingOneLane_areServedEqualTokens() {
    executor = LaneExecutor.start(config(LaneExecutorTest.windows(Duration.ofMillis(2), Duration.ofMillis(5)), 512,
        1), CPU, List.of(spec("int8")));
    flood("a", 1, Priority.STANDARD, texts(1, 12), 48);
    flood("b", 1, Priority.STANDARD, texts(2, 12), 48);
    Map<String, Long> served = servedWhileBacklogged(1_000, 4_000);
    double ratio = (double) served.get("a") / served.get("b");
    print("equal weights", served, ratio, 1);
    assertEquals(1, ratio, 0.05, "a:b served tokens " + served);
  }

  @Test
  void weightsThreeToOne_areServedTokensThreeToOne() {
    executor = LaneExecutor.start(config(LaneExecutorTest.windows(Duration.ofMillis(2), Duration.ofMillis(5)), 512,
        1), CPU, List.of(spec("int8")));
    flood("gold", 3, Priority.STANDARD, texts(3, 12), 48);
    flood("bronze", 1, Priority.STANDARD, texts(4, 12), 48);
    Map<String, Long> served = servedWhileBacklogged(1_000, 6_000);
    double ratio = (double) served.get("gold") / served.get("bronze");
    print("weights 3:1", served, ratio, 3);
    assertEquals(3, ratio, 0.3, "gold:bronze served tokens " + served);
  }

  /**
   * A deep queue of texts of many lengths (each tenant 400 requests in flight, 4 to 40 words): the head of every batch
   * is the smallest tag, but the batch is filled by length from the class's lookahead, where both tenants have as many
   * items queued, so the weights hold only roughly (the bias is measured and bounded here, not hidden).
   */
  @Test
  void weightsThreeToOne_holdInADeepQueueOfMixedLengths() {
    executor = LaneExecutor.start(config(LaneExecutorTest.windows(Duration.ofMillis(2), Duration.ofMillis(5)), 1024,
        1), CPU, List.of(spec("int8")));
    flood("gold", 3, Priority.STANDARD, mixedTexts(7), 400);
    flood("bronze", 1, Priority.STANDARD, mixedTexts(8), 400);
    Map<String, Long> served = servedWhileBacklogged(2_000, 12_000);
    double ratio = (double) served.get("gold") / served.get("bronze");
    print("weights 3:1, deep queue, mixed lengths", served, ratio, 3);
    // measured 2.64 to 2.95 over six runs: a batch is filled by length from the whole lookahead, where both tenants
    // have as many items queued, which pulls the ratio toward 1 by up to ~12%; the head is always the smallest tag
    assertEquals(3, ratio, 0.6, "gold:bronze served tokens " + served);
  }

  /**
   * Overload with deadlines, as a gateway sends it: both tenants offer far more than the lane can serve, each request
   * with a 300 ms deadline, so most are refused as unable to meet it (or expire). Fair queueing alone would not hold
   * the weights here (a tenant refused at admission is seldom backlogged, and each request of it that gets in is served
   * at once); admission estimates each tenant's own wait under fair queueing, so the one over its share is refused.
   */
  @Test
  void weightsThreeToOne_holdUnderOverloadWithDeadlines() throws Exception {
    executor = LaneExecutor.start(config(LaneExecutorTest.windows(Duration.ofMillis(2), Duration.ofMillis(5)), 2048,
        1), CPU, List.of(spec("int8")));
    List<String> gold = texts(9, 12);
    List<String> bronze = texts(10, 12);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread offer = Thread.ofPlatform().name("offer").start(() -> {
      for (int i = 0; !stop.get(); i++) { // ~2 x 1000 requests/s each, in bursts of 4 per millisecond
        long deadline = System.nanoTime() + 300_000_000L;
        for (int k = 0; k < 2; k++) {
          executor.submit(new EmbedRequest(INT8, List.of(gold.get((i + k) % gold.size())), deadline,
              Priority.STANDARD, "gold", 3));
          executor.submit(new EmbedRequest(INT8, List.of(bronze.get((i + k) % bronze.size())), deadline,
              Priority.STANDARD, "bronze", 1));
        }
        LockSupport.parkNanos(1_000_000);
      }
    });
    try {
      Map<String, Long> served = servedWhileBacklogged(2_000, 12_000);
      double ratio = (double) served.get("gold") / served.get("bronze");
      print("weights 3:1, overload with 300 ms deadlines", served, ratio, 3);
      // admission works from estimates made of measured run times, which vary with the machine: 3.02-3.35 over most
      // runs, 3.64 once in a whole-module run on an idle machine, 2.20 and 3.88 while other builds ran; without
      // per-tenant estimates, 1.2 to 1.6. The band (3 +- 0.9) tells the two apart; the 10% claim is the closed-loop
      // case's (weightsThreeToOne_areServedTokensThreeToOne)
      assertEquals(3, ratio, 0.9, "gold:bronze served tokens " + served);
      assertTrue(executor.stats().rejectedCount() > 0, "the overload was refused at admission");
    } finally {
      stop.set(true);
      offer.join();
    }
  }

  static List<String> mixedTexts(int seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 64; i++) out.add(texts(seed * 100 + i, 4 + r.nextInt(37)).get(0));
    return out;
  }

  /**
   * Token charging: a tenant of long texts (64 padded tokens each) and one of short texts (16), equal weights, batches
   * of at most 4 (so that one batch is a small part of the window measured). They never share a batch (different
   * length buckets); fair queueing alternates their batches so that both are served the same tokens, which is about
   * four short requests per long one.
   */
  @Test
  void longAndShortTexts_areServedEqualTokens_notEqualRequests() {
    BatchPolicy four = new BatchPolicy(4, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ofMillis(2),
        Duration.ofMillis(5)), 8, List.of(), List.of(), 2048);
    executor = LaneExecutor.start(config(four, 512, 1), CPU, List.of(spec("int8")));
    Flood longs = flood("long", 1, Priority.STANDARD, texts(5, 60), 32);
    Flood shorts = flood("short", 1, Priority.STANDARD, texts(6, 12), 32);
    int longBefore = longs.answered.get();
    int shortBefore = shorts.answered.get();
    Map<String, Long> served = servedWhileBacklogged(1_000, 24_000);
    double ratio = (double) served.get("long") / served.get("short");
    print("long vs short texts", served, ratio, 1);
    System.out.printf("fair share: long vs short texts: requests answered long %d, short %d%n",
        longs.answered.get() - longBefore, shorts.answered.get() - shortBefore);
    assertEquals(1, ratio, 0.05, "long:short served tokens " + served);
    assertTrue(shorts.answered.get() - shortBefore > 2 * (longs.answered.get() - longBefore),
        "short texts were served more requests for the same tokens");
  }

  /** Work-conserving: a tenant alone, however small its weight, is served every batch, full. */
  @Test
  void aTenantAlone_getsTheWholeLane_whateverItsWeight() {
    executor = LaneExecutor.start(config(LaneExecutorTest.windows(Duration.ofMillis(2), Duration.ofMillis(5)), 512,
        1), CPU, List.of(spec("int8")));
    flood("solo", 0.01, Priority.STANDARD, texts(7, 12), 48);
    awaitTrue(() -> executor.stats().inferenceCount() >= 64, "the flood under way");
    long executionsBefore = executor.stats().executionCount();
    long inferencesBefore = executor.stats().inferenceCount();
    Map<String, Long> served = servedWhileBacklogged(0, 4_000);
    long executions = executor.stats().executionCount() - executionsBefore;
    long inferences = executor.stats().inferenceCount() - inferencesBefore;
    Map<String, Long> all = executor.stats().servedTokens();
    System.out.printf("fair share: alone (weight 0.01): served tokens %s over the window, %s in all; %d items in %d"
        + " batches (%.1f per batch of at most 16)%n", served, all, inferences, executions,
        (double) inferences / executions);
    assertEquals(java.util.Set.of("solo"), all.keySet(), "every token served went to the one tenant");
    assertTrue(inferences >= 15.0 * executions, "batches full (16): " + inferences + " in " + executions);
  }

  /** Aging: under a standard flood, a batch request is served once it has waited agingAfter, the flood still on. */
  @Test
  void batchWork_isServedWhileStandardSaturates_onceAged() throws Exception {
    Duration aging = Duration.ofMillis(300);
    executor = LaneExecutor.start(config(LaneExecutorTest.windows(Duration.ofMillis(2), Duration.ofMillis(5))
        .withAgingAfter(aging), 512, 1), CPU, List.of(spec("int8")));
    Flood standard = flood("standard", 1, Priority.STANDARD, texts(8, 12), 48);
    awaitTrue(() -> executor.stats().inferenceCount() >= 100, "the standard flood under way");
    EmbedResult r = executor.submit(new EmbedRequest(INT8, List.of("a batch-class text"), Long.MAX_VALUE,
        Priority.BATCH, "nightly", 1)).get(30, TimeUnit.SECONDS);
    int standardAnswered = standard.answered.get();
    long queuedMs = TimeUnit.NANOSECONDS.toMillis(r.queueNanos());
    System.out.printf("fair share: aging %d ms: the batch item ran after %d ms queued; standard work queued then: %d%n",
        aging.toMillis(), queuedMs, executor.tokenisedQueued(Priority.STANDARD));
    assertTrue(queuedMs >= aging.toMillis(), "strict priority held it until it aged: " + queuedMs + " ms");
    assertTrue(executor.tokenisedQueued(Priority.STANDARD) > 0 || standard.answered.get() > standardAnswered,
        "the standard flood was still on");
    assertEquals(384, r.vectors()[0].length);
  }

  // ---- fixtures -------------------------------------------------------------------------------------------------

  /** 32 distinct texts of {@code words} common words (one token each): {@code words + 2} tokens with [CLS], [SEP]. */
  static List<String> texts(int seed, int words) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
      out.add(sb.toString());
    }
    return out;
  }

  Flood flood(String tenant, double weight, Priority p, List<String> texts, int inFlight) {
    Flood f = new Flood(tenant, weight, p, texts);
    floods.add(f);
    for (int i = 0; i < inFlight; i++) f.submitOne();
    return f;
  }

  /**
   * Tokens served per tenant from the moment {@code warm} tokens have been served in all to {@code span} tokens later:
   * every flood keeps its requests in flight throughout, so each tenant is backlogged over the window. Stops the
   * floods.
   */
  Map<String, Long> servedWhileBacklogged(long warm, long span) {
    awaitTrue(() -> total(executor.stats().servedTokens()) >= warm, warm + " tokens served");
    Map<String, Long> from = executor.stats().servedTokens();
    long start = total(from);
    for (long step = Math.min(span, 4_000); ; step = Math.min(span, step + 4_000)) { // each wait bounded (10 s)
      long target = start + step;
      awaitTrue(() -> total(executor.stats().servedTokens()) >= target, step + " more tokens served");
      if (step == span) break;
    }
    Map<String, Long> to = executor.stats().servedTokens();
    floods.forEach(Flood::stop);
    Map<String, Long> delta = new HashMap<>();
    to.forEach((k, v) -> delta.put(k, v - from.getOrDefault(k, 0L)));
    return delta;
  }

  static long total(Map<String, Long> served) {
    long n = 0;
    for (long v : served.values()) n += v;
    return n;
  }

  static void print(String what, Map<String, Long> served, double ratio, double expected) {
    System.out.printf("fair share: %s: served tokens %s, ratio %.3f (expected %.0f, off by %.1f%%)%n", what,
        new java.util.TreeMap<>(served), ratio, expected, 100 * Math.abs(ratio - expected) / expected);
  }

  /**
   * A closed-loop tenant: keeps a fixed number of one-text requests in flight, each answer submitting the next,
   * until stopped. Answers arrive on instance threads; submit never blocks, so resubmitting there is safe.
   */
  final class Flood {
    final String tenant;
    final double weight;
    final Priority priority;
    final List<String> texts;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger answered = new AtomicInteger();
    final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    volatile boolean stopped;

    Flood(String tenant, double weight, Priority priority, List<String> texts) {
      this.tenant = tenant;
      this.weight = weight;
      this.priority = priority;
      this.texts = texts;
    }

    void submitOne() {
      if (stopped) return;
      String text = texts.get(sent.getAndIncrement() % texts.size());
      executor.submit(new EmbedRequest(INT8, List.of(text), Long.MAX_VALUE, priority, tenant, weight))
          .whenComplete((r, e) -> {
            if (e != null) {
              failures.add(e);
              stopped = true; // a refusal completes at once: no resubmitting in a loop
              return;
            }
            answered.incrementAndGet();
            submitOne();
          });
    }

    void stop() {
      stopped = true;
    }
  }
}
