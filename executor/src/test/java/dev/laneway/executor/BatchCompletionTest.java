package dev.laneway.executor;

import static dev.laneway.executor.LaneExecutorTest.CPU;
import static dev.laneway.executor.LaneExecutorTest.FP32;
import static dev.laneway.executor.LaneExecutorTest.config;
import static dev.laneway.executor.LaneExecutorTest.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch's answers go back once per completion executor (what a gateway event loop is to the executor), in batch
 * order, with the right vectors, and the futures' continuations run there rather than on the instance thread.
 */
class BatchCompletionTest {
  static final int N = 8;

  LaneExecutor executor;
  final List<ExecutorService> pools = new ArrayList<>();

  /** An executor that counts the tasks it is given and runs them on its own thread, like an event loop. */
  final class CountingLoop implements Executor {
    final AtomicInteger submissions = new AtomicInteger();
    final ExecutorService thread;

    CountingLoop(String name) {
      thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
      pools.add(thread);
    }

    @Override
    public void execute(Runnable task) {
      submissions.incrementAndGet();
      thread.execute(task);
    }
  }

  /** One instance; a batch of N leaves at once, fewer wait out a 60 s window (work-conserving off). */
  void startFullBatchesOnly() {
    BatchPolicy policy = new BatchPolicy(N, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ofSeconds(60),
        Duration.ofSeconds(60)), 8, List.of(), List.of(), 4096).withWorkConserving(false);
    executor = LaneExecutor.start(config(policy, 64, 1), CPU, List.of(spec("fp32")));
  }

  @AfterEach
  void noLeaks() throws InterruptedException {
    if (executor != null) {
      assertTrue(executor.awaitIdle(Duration.ofSeconds(60)));
      assertEquals(0, executor.queueDepth());
      assertEquals(0, executor.nativeBuffersInUse());
      executor.close();
    }
    pools.forEach(ExecutorService::shutdownNow);
  }

  static List<String> texts() {
    List<String> t = new ArrayList<>();
    for (int i = 0; i < N; i++) t.add("request " + i + ": the harbour ferry leaves at " + (7 + i) + " o'clock");
    return t;
  }

  @Test
  void aBatchFromOneLoop_isHandedBackInOneSubmission_withEachRequestsVectorsInTextOrder() throws Exception {
    startFullBatchesOnly();
    CountingLoop loop = new CountingLoop("loop-a");
    List<String> texts = texts();
    // the first request holds three texts, the next five one each: eight items, one full batch
    List<List<String>> requests = new ArrayList<>();
    requests.add(texts.subList(0, 3));
    for (int i = 3; i < N; i++) requests.add(List.of(texts.get(i)));
    List<String> continuationThreads = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<EmbedResult>> futures = new ArrayList<>();
    // waited on a latch, not get(): a thread in get() may run a completed future's dependents itself
    CountDownLatch done = new CountDownLatch(requests.size());
    for (List<String> request : requests) {
      CompletableFuture<EmbedResult> f = executor.submit(new EmbedRequest(FP32, request, Long.MAX_VALUE,
          Priority.STANDARD), loop);
      f.thenRun(() -> {
        continuationThreads.add(Thread.currentThread().getName());
        done.countDown();
      });
      futures.add(f);
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));

    assertEquals(1, executor.stats().executionCount(), "the requests ran as one batch");
    assertEquals(1, loop.submissions.get(), "one hand-off to the loop for the whole batch");
    assertEquals(Collections.nCopies(requests.size(), "loop-a"), continuationThreads, "continuations ran on the loop");
    try (Tokenizer tok = Tokenizer.load(spec("fp32").encoderSpec());
        EncoderSession alone = EncoderSession.open(spec("fp32").encoderSpec(), List.of("cpu"), 1)) {
      for (int q = 0; q < requests.size(); q++) {
        EmbedResult r = futures.get(q).join();
        assertEquals(requests.get(q).size(), r.vectors().length);
        for (int i = 0; i < requests.get(q).size(); i++) {
          float[] want = alone.embed(List.of(tok.encode(requests.get(q).get(i))))[0];
          double cos = LaneExecutorTest.cosine(want, r.vectors()[i]);
          assertTrue(cos >= 0.9999, "request " + q + " text " + i + " got its own vector (cosine " + cos + ")");
        }
      }
    }
  }

  @Test
  void aBatchFromTwoLoops_isHandedBackOncePerLoop() throws Exception {
    startFullBatchesOnly();
    CountingLoop a = new CountingLoop("loop-a");
    CountingLoop b = new CountingLoop("loop-b");
    List<String> texts = texts();
    String[] threads = new String[N];
    CountDownLatch done = new CountDownLatch(N);
    for (int i = 0; i < N; i++) {
      int index = i;
      Executor loop = i % 2 == 0 ? a : b;
      executor.submit(new EmbedRequest(FP32, List.of(texts.get(i)), Long.MAX_VALUE, Priority.STANDARD), loop)
          .thenRun(() -> {
            threads[index] = Thread.currentThread().getName();
            done.countDown();
          });
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));
    for (int i = 0; i < N; i++) assertEquals(i % 2 == 0 ? "loop-a" : "loop-b", threads[i], "request " + i);
    assertEquals(1, executor.stats().executionCount());
    assertEquals(1, a.submissions.get());
    assertEquals(1, b.submissions.get());
  }

  @Test
  void aFailure_isAlsoHandedToTheLoop() throws Exception {
    startFullBatchesOnly();
    CountingLoop loop = new CountingLoop("loop-a");
    CompletableFuture<String> failed = new CompletableFuture<>();
    executor.submit(new EmbedRequest(FP32, List.of("too late"), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50),
        Priority.STANDARD), loop).whenComplete((r, e) -> failed.complete(Thread.currentThread().getName() + " "
            + (e == null ? "ok" : e.getClass().getSimpleName())));
    assertEquals("loop-a DeadlineExceeded", failed.get(30, TimeUnit.SECONDS));
    assertEquals(1, loop.submissions.get());
  }
}
