package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The batch decision with an injected clock: one test per branch. */
class BatcherTest {
  static final long MS = 1_000_000L;
  static final String M = "m:int8";

  record Q(String modelKey, int tokens, long enqueuedNanos, long deadlineNanos) implements Batcher.Queued {}

  static final class View implements Batcher.QueueView<Q> {
    final Map<Priority, List<Q>> q = new EnumMap<>(Priority.class);
    boolean flushing;

    View() {
      for (Priority p : Priority.values()) q.put(p, new ArrayList<>());
    }

    Q add(Priority p, int tokens, long at) {
      return add(p, M, tokens, at, Long.MAX_VALUE);
    }

    Q add(Priority p, String key, int tokens, long at, long deadline) {
      Q item = new Q(key, tokens, at, deadline);
      q.get(p).add(item);
      return item;
    }

    @Override
    public List<Q> queued(Priority p) {
      return q.get(p);
    }

    final Map<Priority, Long> lastDispatch = new EnumMap<>(Priority.class);
    boolean moreUrgentActive;

    @Override
    public boolean moreUrgentActive(Priority p) {
      return moreUrgentActive;
    }

    @Override
    public long lastDispatchNanos(Priority p) {
      return lastDispatch.getOrDefault(p, Long.MIN_VALUE);
    }

    @Override
    public boolean flushing() {
      return flushing;
    }

    boolean idle;

    @Override
    public boolean idle() {
      return idle;
    }

    boolean longShareFree = true;

    @Override
    public boolean longShareFree() {
      return longShareFree;
    }
  }

  static BatchPolicy dynamic(int max, List<Integer> preferred, int maxTokens) {
    return new BatchPolicy(max, preferred,
        BatchPolicy.delays(Duration.ZERO, Duration.ofMillis(2), Duration.ofMillis(10)), 8, List.of(), List.of(),
        maxTokens);
  }

  static Batcher.Dispatch<Q> dispatch(Batcher.Decision<Q> d) {
    return assertInstanceOf(Batcher.Dispatch.class, d);
  }

  @Test
  void emptyQueue_waitsForWork() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    assertEquals(new Batcher.Wait<Q>(Long.MAX_VALUE), b.decide(new View(), 0));
  }

  @Test
  void window_waitsUntilOldestItemsDelayExpires_thenDispatchesWhatIsQueued() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    v.add(Priority.STANDARD, 10, 0);
    v.add(Priority.STANDARD, 12, MS / 2);
    Batcher.Wait<Q> w = assertInstanceOf(Batcher.Wait.class, b.decide(v, MS));
    assertEquals(MS, w.nanos());
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 2 * MS));
    assertEquals(2, d.items().size());
    assertEquals("window", d.reason());
    assertEquals("2x16", d.paddedShape()); // longest 12, rounded up to a multiple of 8
    assertEquals(22.0 / 32, d.paddingEfficiency(), 1e-9);
  }

  @Test
  void workConserving_anIdleLaneDispatchesWhatIsQueuedAtOnce_aBusyOneWaitsOutTheWindow() {
    View v = new View();
    v.add(Priority.STANDARD, 10, 0);
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    assertEquals(new Batcher.Wait<Q>(2 * MS), b.decide(v, 0), "another instance busy: the window gathers work");
    v.idle = true;
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 0));
    assertEquals(1, d.items().size());
    assertEquals("idle", d.reason(), "nothing else can join sooner: no window");
    Batcher strict = new Batcher(dynamic(32, List.of(), 0).withWorkConserving(false));
    assertEquals(new Batcher.Wait<Q>(2 * MS), strict.decide(v, 0), "off: Triton's window, idle or not");
  }

  @Test
  void interactiveWithZeroDelay_dispatchesAtOnce() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    v.add(Priority.INTERACTIVE, 7, 5 * MS);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 5 * MS));
    assertEquals(1, d.items().size());
    assertEquals(Priority.INTERACTIVE, d.priority());
    assertEquals("1x8", d.paddedShape());
  }

  @Test
  void sizeReached_dispatchesMaxBatchSizeBeforeTheWindow() {
    Batcher b = new Batcher(dynamic(4, List.of(), 0));
    View v = new View();
    for (int i = 0; i < 6; i++) v.add(Priority.STANDARD, 10, i);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 10));
    assertEquals(4, d.items().size());
    assertEquals("size", d.reason());
    assertSame(v.q.get(Priority.STANDARD).get(0), d.items().get(0), "the oldest item is always in the batch");
  }

  @Test
  void preferredSize_dispatchesWhenTheLargestPreferredSizeIsReached() {
    Batcher b = new Batcher(dynamic(32, List.of(4, 8), 0));
    View v = new View();
    for (int i = 0; i < 7; i++) v.add(Priority.STANDARD, 10, 0);
    assertInstanceOf(Batcher.Wait.class, b.decide(v, MS));
    v.add(Priority.STANDARD, 10, 0);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, MS));
    assertEquals(8, d.items().size());
    assertEquals("preferred", d.reason());
  }

  @Test
  void bucketSplit_shortAndLongItemsGoInSeparateBatches() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    Q shortOne = v.add(Priority.STANDARD, 9, 0);
    v.add(Priority.STANDARD, 120, 0);
    v.add(Priority.STANDARD, 14, 0);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 3 * MS));
    assertEquals(2, d.items().size(), "only the head's bucket (<= 16 tokens)");
    assertSame(shortOne, d.items().get(0));
    assertEquals("2x16", d.paddedShape());
    v.q.get(Priority.STANDARD).removeAll(d.items());
    Batcher.Dispatch<Q> rest = dispatch(b.decide(v, 3 * MS));
    assertEquals("1x120", rest.paddedShape());
  }

  @Test
  void lengthNeighbours_batchTheHeadWithTheItemsClosestInLength() {
    Batcher b = new Batcher(dynamic(2, List.of(), 0));
    View v = new View();
    Q head = v.add(Priority.BATCH, 60, 0);
    v.add(Priority.BATCH, 40, 1);
    Q near = v.add(Priority.BATCH, 58, 2);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 3));
    assertEquals(List.of(head, near), d.items(), "arrival order, head plus its nearest shorter neighbour");
    assertEquals("2x64", d.paddedShape());
  }

  @Test
  void samePaddedLength_isPreferredOverShorterItems() {
    Batcher b = new Batcher(dynamic(4, List.of(), 0));
    View v = new View();
    Q head = v.add(Priority.BATCH, 9, 0);
    for (int i = 0; i < 4; i++) v.add(Priority.BATCH, 3, 1);
    Q x = v.add(Priority.BATCH, 15, 2);
    Q y = v.add(Priority.BATCH, 16, 3);
    Q z = v.add(Priority.BATCH, 12, 4);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 5));
    assertEquals(List.of(head, x, y, z), d.items(), "one padded length (16), no 3-token items padded to 16");
    assertEquals(1.0 * (9 + 15 + 16 + 12) / 64, d.paddingEfficiency(), 1e-9);
  }

  @Test
  void tokenBound_capsRowsTimesLength() {
    Batcher b = new Batcher(dynamic(32, List.of(), 256));
    View v = new View();
    for (int i = 0; i < 10; i++) v.add(Priority.BATCH, 60, 0);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 0));
    assertEquals("4x64", d.paddedShape());
    assertEquals("size", d.reason(), "more is queued than fits: no point waiting");
  }

  @Test
  void priority_interactiveNeverWaitsBehindQueuedBatchWork() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    for (int i = 0; i < 100; i++) v.add(Priority.BATCH, 10, 0);
    Q urgent = v.add(Priority.INTERACTIVE, 10, 50 * MS);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 50 * MS));
    assertEquals(List.of(urgent), d.items());
  }

  @Test
  void priority_aWaitingStandardWindowHoldsBackBatchWork() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    v.add(Priority.BATCH, 10, 0);
    v.add(Priority.STANDARD, 10, 20 * MS);
    assertInstanceOf(Batcher.Wait.class, b.decide(v, 20 * MS + 1));
  }

  @Test
  void modelVariants_neverShareABatch() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    v.add(Priority.STANDARD, M, 10, 0, Long.MAX_VALUE);
    v.add(Priority.STANDARD, "m:fp32", 10, 0, Long.MAX_VALUE);
    assertEquals(1, dispatch(b.decide(v, 5 * MS)).items().size());
  }

  @Test
  void deadline_dropsExpiredItems_andNoWaitOutlastsADeadline() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    Q doomed = v.add(Priority.BATCH, M, 10, 0, 3 * MS);
    Batcher.Wait<Q> w = assertInstanceOf(Batcher.Wait.class, b.decide(v, MS));
    assertEquals(2 * MS, w.nanos(), "the deadline comes before the 10 ms window");
    Batcher.Drop<Q> drop = assertInstanceOf(Batcher.Drop.class, b.decide(v, 3 * MS));
    assertEquals(List.of(doomed), drop.expired());
  }

  @Test
  void flushing_dispatchesWithoutWaitingOutTheWindow() {
    Batcher b = new Batcher(dynamic(32, List.of(), 0));
    View v = new View();
    v.add(Priority.BATCH, 10, 0);
    v.flushing = true;
    assertEquals("flush", dispatch(b.decide(v, 1)).reason());
  }

  @Test
  void whileMoreUrgentWorkRuns_batchesStayWithinTheYieldingBound() {
    Batcher b = new Batcher(dynamic(32, List.of(), 256).withYieldingBatchTokens(64));
    View v = new View();
    for (int i = 0; i < 32; i++) v.add(Priority.BATCH, 16, 0);
    assertEquals("16x16", dispatch(b.decide(v, 0)).paddedShape(), "alone: max_batch_tokens (256) bounds the batch");
    v.moreUrgentActive = true;
    assertEquals("4x16", dispatch(b.decide(v, 0)).paddedShape(), "standard work ran lately: 64 tokens at most");
    Batcher off = new Batcher(dynamic(32, List.of(), 256));
    assertEquals("16x16", dispatch(off.decide(v, 0)).paddedShape(), "no yielding bound: as before");
  }

  @Test
  void staticShapes_padUpToTheNearestBatchSizeAndLength() {
    BatchPolicy p = new BatchPolicy(16, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ZERO, Duration.ZERO),
        8, List.of(1, 4, 8, 16), List.of(32, 64, 128), 0);
    Batcher b = new Batcher(p);
    View v = new View();
    for (int i = 0; i < 5; i++) v.add(Priority.STANDARD, 20 + i, 0);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 0));
    assertEquals(5, d.items().size());
    assertEquals("8x32", d.paddedShape());
    assertEquals((20 + 21 + 22 + 23 + 24) / (8.0 * 32), d.paddingEfficiency(), 1e-9);
    assertEquals(128, p.maxItemTokens());
    assertEquals(64, b.paddedLength(33));
    assertThrows(IllegalArgumentException.class, () -> b.paddedLength(129));
    // a 40-token item is in the 64 bucket, apart from the 32 ones
    View w = new View();
    w.add(Priority.STANDARD, 40, 0);
    w.add(Priority.STANDARD, 20, 0);
    assertEquals("1x64", dispatch(b.decide(w, 0)).paddedShape());
  }

  @Test
  void staticShapes_neverExceedTheLargestStaticBatchSize() {
    BatchPolicy p = new BatchPolicy(32, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ZERO, Duration.ZERO),
        8, List.of(1, 4), List.of(32), 0);
    Batcher b = new Batcher(p);
    View v = new View();
    for (int i = 0; i < 9; i++) v.add(Priority.STANDARD, 10, 0);
    Batcher.Dispatch<Q> d = dispatch(b.decide(v, 0));
    assertEquals("4x32", d.paddedShape());
    assertTrue(d.items().size() == 4);
  }

  @Test
  void policy_refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> dynamic(0, List.of(), 0));
    assertThrows(IllegalArgumentException.class, () -> dynamic(8, List.of(16), 0));
    assertThrows(IllegalArgumentException.class, () -> dynamic(8, List.of(), -1));
  }
}
