package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.laneway.base.ModelKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batch-class compute at a lower OS priority (topology key {@code batch_nice}): the runner's thread really has the
 * nice value (read back from {@code /proc}), the caller's does not, answers and failures come back as they went, an
 * interrupt does not abandon a call that holds a session, and a lane with {@code batch_nice} answers batch work with
 * the same vectors as standard work while one of its threads runs at that nice value. Linux only (the feature is).
 */
class NicedRunnerTest {
  @BeforeAll
  static void linux() {
    assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "per-thread nice values are a Linux feature");
  }

  /** Field 19 of a task's stat line: its nice value. */
  static int nice(Path stat) throws IOException {
    String s = Files.readString(stat);
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(f[16]); // fields from 3 on: state is [0], nice (field 19) is [16]
  }

  /** Every thread of this process at {@code value}. */
  static long threadsAtNice(int value) throws IOException {
    List<Path> tasks = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
      s.forEach(tasks::add);
    }
    long n = 0;
    for (Path t : tasks) {
      try {
        if (nice(t.resolve("stat")) == value) n++;
      } catch (IOException gone) { // a thread that ended meanwhile
      }
    }
    return n;
  }

  @Test
  void theCallRunsOnAThreadAtTheNiceValue_andTheCallersStaysAsItWas() throws IOException {
    int mine = nice(Path.of("/proc/thread-self/stat"));
    try (NicedRunner r = new NicedRunner("test-niced", 7)) {
      Thread caller = Thread.currentThread();
      int inside = r.run(() -> {
        assertNotEquals(caller, Thread.currentThread(), "the call runs on the runner's thread");
        try {
          return nice(Path.of("/proc/thread-self/stat"));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertEquals(7, inside, "the runner's thread is reniced: " + r.applied());
      assertEquals("nice 7", r.applied());
    }
    assertEquals(mine, nice(Path.of("/proc/thread-self/stat")), "the caller's priority is untouched");
  }

  @Test
  void failuresComeBackAsThrown_andAnInterruptWaitsTheCallOut() {
    try (NicedRunner r = new NicedRunner("test-niced", 3)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.run(() -> {
        throw new IllegalStateException("device error");
      }));
      assertEquals("device error", e.getMessage());
      assertThrows(OutOfMemoryError.class, () -> r.run(() -> {
        throw new OutOfMemoryError("arena");
      }));
      Thread caller = Thread.currentThread();
      int answer = r.run(() -> {
        caller.interrupt(); // while the caller waits (or before it does): the call still finishes and answers
        return 42;
      });
      assertEquals(42, answer);
      assertTrue(Thread.interrupted(), "the caller sees its interrupt after the call");
    }
  }

  @Test
  void aLaneWithBatchNice_answersBatchWorkAsStandard_andComputesItAtThatNice() throws Exception {
    int nice = 11;
    assertEquals(0, threadsAtNice(nice), "no thread at nice " + nice + " before the lane runs batch work");
    BatchPolicy policy = BatchPolicy.dynamic(8, Duration.ZERO).withBatchNice(nice);
    try (LaneExecutor lane = LaneExecutor.start(LaneExecutorTest.config(policy, 64, 1), LaneExecutorTest.CPU,
        List.of(LaneExecutorTest.spec("int8")))) {
      assertEquals(1, threadsAtNice(nice), "the instance's batch runner is at nice " + nice + " before any batch");
      ModelKey key = LaneExecutorTest.INT8;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<String> texts = List.of("a ferry crosses the harbour", "neon over the market");
      EmbedResult standard = lane.submit(new EmbedRequest(key, texts, deadline, Priority.STANDARD))
          .get(60, TimeUnit.SECONDS);
      EmbedResult batch = lane.submit(new EmbedRequest(key, texts, deadline, Priority.BATCH))
          .get(60, TimeUnit.SECONDS);
      for (int i = 0; i < texts.size(); i++) {
        float[] a = standard.vectors()[i];
        float[] b = batch.vectors()[i];
        for (int d = 0; d < a.length; d++) assertEquals(a[d], b[d], 1e-5, "text " + i + " dim " + d);
      }
      assertEquals(1, threadsAtNice(nice), "the instance's batch runner runs at nice " + nice);
      LaneExecutorTest.assertNoLeaks(lane);
    }
  }

  /**
   * A lane of one instance with {@code batch_nice}: while its low-priority thread computes a batch-class batch (held
   * here by a completion executor that waits on a latch, so the batch stays running), the instance's own thread
   * answers a standard request at once, rather than waiting for the batch; a second batch-class request waits (one
   * detached batch per instance) and is answered once the first is released.
   */
  @Test
  void whileABatchClassBatchComputesDetached_theInstanceServesMoreUrgentWork() throws Exception {
    BatchPolicy policy = BatchPolicy.dynamic(8, Duration.ZERO).withBatchNice(19);
    try (LaneExecutor lane = LaneExecutor.start(LaneExecutorTest.config(policy, 64, 1), LaneExecutorTest.CPU,
        List.of(LaneExecutorTest.spec("int8")))) {
      ModelKey key = LaneExecutorTest.INT8;
      LongTextsTest.Gate gate = new LongTextsTest.Gate();
      CompletableFuture<EmbedResult> held =
          lane.submit(new EmbedRequest(key, List.of("a batch text"), Long.MAX_VALUE, Priority.BATCH), gate);
      try {
        assertTrue(gate.entered.await(30, TimeUnit.SECONDS), "the batch-class batch computed, its thread held");
        CompletableFuture<EmbedResult> second =
            lane.submit(new EmbedRequest(key, List.of("another batch text"), Long.MAX_VALUE, Priority.BATCH));
        LaneExecutorTest.awaitTrue(() -> lane.tokenisedQueued(Priority.BATCH) == 1, "the second one queued");
        EmbedResult standard = lane.submit(new EmbedRequest(key, List.of("an urgent one"), Long.MAX_VALUE,
            Priority.STANDARD)).get(30, TimeUnit.SECONDS);
        assertEquals(1, standard.vectors().length, "answered while the batch-class batch is still running");
        assertFalse(held.isDone());
        assertFalse(second.isDone(), "one detached batch per instance: the second waits for the first");
        assertEquals(1, lane.tokenisedQueued(Priority.BATCH));
        gate.release.countDown();
        assertEquals(1, second.get(30, TimeUnit.SECONDS).vectors().length);
        assertEquals(1, held.get(30, TimeUnit.SECONDS).vectors().length);
        LaneExecutorTest.assertNoLeaks(lane);
      } finally {
        gate.release.countDown();
      }
    }
  }
}
