package dev.laneway.executor;

import static dev.laneway.executor.LaneExecutorTest.CPU;
import static dev.laneway.executor.LaneExecutorTest.FP32;
import static dev.laneway.executor.LaneExecutorTest.INT8;
import static dev.laneway.executor.LaneExecutorTest.awaitTrue;
import static dev.laneway.executor.LaneExecutorTest.config;
import static dev.laneway.executor.LaneExecutorTest.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Long texts off the short texts' tail ({@link BatchPolicy#longTextTokens}): the decision with an injected clock, then
 * the executor on the real int8 model, where an instance is held after its batch by a completion executor that waits
 * on a latch (the instance thread hands the answers over, so it stays busy, and counted as computing, until released).
 */
class LongTextsTest {
  static final long MS = BatcherTest.MS;
  /** About 200 tokens for the model's tokenizer. */
  static final String LONG =
      "the harbour ferry crossed at dusk while the typhoon signal rose over the skyline ".repeat(13);

  LaneExecutor executor;

  @AfterEach
  void noLeaks() throws InterruptedException {
    if (executor == null) return;
    LaneExecutorTest.assertNoLeaks(executor);
    executor.close();
  }

  /** Standard window 30 s (never waited out here), work-conserving off, a batch goes at 8 texts, ≤ 256 tokens. */
  static BatchPolicy policy(int longTextTokens) {
    return new BatchPolicy(16, List.of(8), BatchPolicy.delays(Duration.ZERO, Duration.ofSeconds(30),
        Duration.ofSeconds(30)), 1, List.of(), List.of(), 256).withWorkConserving(false)
        .withLongTextTokens(longTextTokens);
  }

  // ---- the decision ----------------------------------------------------------------------------------------------

  @Test
  void aTextNoOtherCanJoinWithinTheTokenBound_goesAtOnce() {
    Batcher b = new Batcher(BatcherTest.dynamic(32, List.of(), 256).withLongTextTokens(160));
    BatcherTest.View v = new BatcherTest.View();
    v.longShareFree = false; // not as a long text: any batch that cannot grow
    v.add(Priority.STANDARD, 200, 0);
    assertInstanceOf(Batcher.Wait.class, b.decide(v, 0), "a long text waits for the long share");
    v.add(Priority.STANDARD, 150, 0);
    assertEquals("1x152", BatcherTest.dispatch(b.decide(v, 0)).paddedShape(), "2 rows of 152 exceed 256: at once");
    v.q.get(Priority.STANDARD).removeLast();
    v.longShareFree = true;
    Batcher.Dispatch<BatcherTest.Q> d = BatcherTest.dispatch(b.decide(v, 0));
    assertEquals("size", d.reason(), "two rows of 200 exceed 256: waiting out the window gains nothing");
    assertEquals("1x200", d.paddedShape());
    BatcherTest.View room = new BatcherTest.View();
    room.add(Priority.STANDARD, 100, 0);
    assertInstanceOf(Batcher.Wait.class, b.decide(room, 0), "a second row of 100 fits: the window gathers it");
    Batcher off = new Batcher(BatcherTest.dynamic(32, List.of(), 256));
    assertInstanceOf(Batcher.Wait.class, off.decide(v, 0), "off (0): the window is waited out, as before");
  }

  @Test
  void longTexts_haveTheirOwnQueue_servedFirstWhileTheirInstanceShareIsFree() {
    Batcher b = new Batcher(BatcherTest.dynamic(32, List.of(8), 0).withLongTextTokens(64));
    BatcherTest.View v = new BatcherTest.View();
    List<BatcherTest.Q> shorts = new ArrayList<>();
    for (int i = 0; i < 8; i++) shorts.add(v.add(Priority.STANDARD, 12, i * MS));
    BatcherTest.Q longText = v.add(Priority.STANDARD, 200, 9 * MS);
    // windows (2 ms) all expired: the long text, queued last, goes first
    Batcher.Dispatch<BatcherTest.Q> first = BatcherTest.dispatch(b.decide(v, 20 * MS));
    assertEquals(List.of(longText), first.items(), "the long text does not wait behind the short texts' batch");
    v.longShareFree = false; // another instance computes long texts: this one takes only short ones
    Batcher.Dispatch<BatcherTest.Q> next = BatcherTest.dispatch(b.decide(v, 20 * MS));
    assertEquals(shorts, next.items(), "the short texts, in their own batch, in service order");
    assertEquals("8x16", next.paddedShape(), "padded to the short texts' length (a multiple of 8)");
    v.q.get(Priority.STANDARD).removeAll(shorts);
    assertEquals(new Batcher.Wait<BatcherTest.Q>(Long.MAX_VALUE), b.decide(v, 20 * MS),
        "only long texts and their share taken: the instance computing them takes the next");
    BatcherTest.Q urgent = v.add(Priority.INTERACTIVE, 12, 20 * MS);
    v.longShareFree = true;
    assertEquals(List.of(urgent), BatcherTest.dispatch(b.decide(v, 20 * MS)).items(),
        "priority between classes first: a queued long standard text never goes before interactive work");
    v.q.get(Priority.INTERACTIVE).clear();
    Batcher off = new Batcher(BatcherTest.dynamic(32, List.of(8), 0));
    v.q.get(Priority.STANDARD).addAll(0, shorts);
    assertSame(shorts.getFirst(), BatcherTest.dispatch(off.decide(v, 20 * MS)).items().getFirst(),
        "off (0): one queue in service order, as before");
  }

  @Test
  void eachQueueHasItsOwnWindow_andAWaitEndsWithTheEarlierOne() {
    Batcher b = new Batcher(BatcherTest.dynamic(32, List.of(), 0).withLongTextTokens(64));
    BatcherTest.View v = new BatcherTest.View();
    v.add(Priority.STANDARD, 12, 0);
    v.add(Priority.STANDARD, 100, MS); // another long text of 100 could join: it waits its own window
    assertEquals(new Batcher.Wait<BatcherTest.Q>(MS), b.decide(v, MS), "the short queue's window (from 0) ends first");
    Batcher.Dispatch<BatcherTest.Q> d = BatcherTest.dispatch(b.decide(v, 2 * MS));
    assertEquals(12, d.items().getFirst().tokens(), "the short window expired, the long one (from 1 ms) not yet");
    assertEquals("window", d.reason());
  }

  // ---- the executor, on the real model ---------------------------------------------------------------------------

  /** Completes on the instance thread after {@link #release}, holding that instance until then. */
  static final class Gate implements Executor {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void execute(Runnable task) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      task.run();
    }
  }

  static CompletableFuture<EmbedResult> submit(LaneExecutor ex, String text, Executor completion) {
    return ex.submit(new EmbedRequest(INT8, List.of(text), Long.MAX_VALUE, Priority.STANDARD), completion);
  }

  static List<String> shortTexts(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add("short text number " + i + " by the harbour");
    return out;
  }

  /**
   * Two instances; one is held on a long text. A second long text does not take the other instance (the long share
   * is all instances but one), so eight short texts queued after it run at once, in a batch of their own padded to
   * their own length, while the second long text still waits; it runs when the first instance comes back.
   */
  @Test
  void aLongText_doesNotDelayShortTextsQueuedAfterIt() throws Exception {
    executor = LaneExecutor.start(config(policy(64), 256, 2), CPU, List.of(spec("int8")));
    Gate gate = new Gate();
    CompletableFuture<EmbedResult> held = submit(executor, LONG, gate);
    assertTrue(gate.entered.await(30, TimeUnit.SECONDS), "the first long text computed, its instance held");
    try {
      CompletableFuture<EmbedResult> second = submit(executor, LONG, LaneExecutor.IN_PLACE);
      awaitTrue(() -> executor.tokenisedQueued(Priority.STANDARD) == 1, "the second long text queued");
      List<CompletableFuture<EmbedResult>> shorts = new ArrayList<>();
      for (String t : shortTexts(8)) shorts.add(submit(executor, t, LaneExecutor.IN_PLACE));
      CompletableFuture.allOf(shorts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertFalse(second.isDone(), "the second long text waits for the long share, not the short texts for it");
      assertEquals(1, executor.tokenisedQueued(Priority.STANDARD));
      assertEquals(2, executor.stats().executionCount(), "the first long text, then the short texts in one batch");
      assertTrue(executor.stats().paddingEfficiency() > 0.8,
          "no short text padded to a long one: " + executor.stats().paddingEfficiency());
      assertTrue(shorts.getFirst().get().tokenCounts()[0] < 16);
      gate.release.countDown();
      assertTrue(second.get(30, TimeUnit.SECONDS).tokenCounts()[0] > 150, "a long text: " + LONG.length());
      held.get(30, TimeUnit.SECONDS);
    } finally {
      gate.release.countDown();
    }
  }

  /**
   * One instance, held. Eight short texts (a batch ready to go) and then a long text queue meanwhile; released, the
   * instance serves the long text first: a long text never waits behind the short texts' batches, so it is not
   * starved by a steady stream of them.
   */
  @Test
  void aLongText_doesNotWaitBehindQueuedShortBatches() throws Exception {
    executor = LaneExecutor.start(config(policy(64), 256, 1), CPU, List.of(spec("int8")));
    Gate gate = new Gate();
    CompletableFuture<EmbedResult> held = submit(executor, LONG, gate);
    ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<EmbedResult>> all = new ArrayList<>(List.of(held));
    try {
      assertTrue(gate.entered.await(30, TimeUnit.SECONDS), "the instance held");
      for (String t : shortTexts(8)) {
        all.add(submit(executor, t, LaneExecutor.IN_PLACE).whenComplete((r, e) -> order.add("short")));
      }
      all.add(submit(executor, LONG + " again", LaneExecutor.IN_PLACE).whenComplete((r, e) -> order.add("long")));
      awaitTrue(() -> executor.tokenisedQueued(Priority.STANDARD) == 9, "nine texts queued");
      gate.release.countDown();
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertEquals("long", order.peek(), "served first, ahead of the older short texts: " + order);
      assertEquals(9, order.size());
      assertEquals(3, executor.stats().executionCount(), "held long, the long one, the short batch");
    } finally {
      gate.release.countDown();
    }
  }

  /**
   * A request mixing long and short texts is split between the two queues and answered whole, in its own order, with
   * the vectors each text gets alone; two instances, work-conserving, so everything runs without waiting windows.
   */
  @Test
  void aRequestOfLongAndShortTexts_isAnsweredInOrder_withEachTextsOwnVector() throws Exception {
    // fp32: int8's dynamic quantisation scales by the whole batch, so only fp32 vectors are the same in any batch
    executor = LaneExecutor.start(config(policy(64).withWorkConserving(true), 256, 2), CPU, List.of(spec("fp32")));
    List<String> texts = List.of("first, short", LONG, "third, also short", LONG + " and a tail", "fifth");
    List<float[]> alone = new ArrayList<>();
    for (String t : texts) {
      alone.add(executor.submit(new EmbedRequest(FP32, List.of(t), Long.MAX_VALUE, Priority.STANDARD))
          .get(30, TimeUnit.SECONDS).vectors()[0]);
    }
    List<CompletableFuture<EmbedResult>> mixed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      mixed.add(executor.submit(new EmbedRequest(FP32, texts, Long.MAX_VALUE, Priority.STANDARD)));
    }
    for (CompletableFuture<EmbedResult> f : mixed) {
      EmbedResult r = f.get(30, TimeUnit.SECONDS);
      assertEquals(texts.size(), r.vectors().length);
      for (int i = 0; i < texts.size(); i++) {
        for (int d = 0; d < 384; d++) {
          assertEquals(alone.get(i)[d], r.vectors()[i][d], 1e-4, "text " + i + ", dimension " + d);
        }
      }
      assertTrue(r.tokenCounts()[1] > 150 && r.tokenCounts()[0] < 16, "token counts in the request's order");
    }
  }
}
