package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.laneway.base.AttributeNames;
import dev.laneway.base.ModelKey;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokenizer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executor against the real MiniLM models (fp32 and int8) on ONNX Runtime's CPU provider. After each test: no
 * queue slot, no in-flight item and no pooled native buffer is left.
 */
class LaneExecutorTest {
  static final ModelKey FP32 = ModelKey.parse("all-minilm-l6-v2:fp32");
  static final ModelKey INT8 = ModelKey.parse("all-minilm-l6-v2:int8");
  static final List<Placement> CPU = List.of(new Placement("cpu0", List.of("cpu")));

  LaneExecutor executor;

  static ExecutorModel spec(String variant) {
    String file = "all-minilm-l6-v2" + (variant.equals("int8") ? "-q" : "");
    return new ExecutorModel(ModelKey.of("all-minilm-l6-v2", variant), "classpath:" + file + ".onnx",
        "classpath:" + file + "-tokenizer.json", ExecutorModel.Pooling.MEAN, 256);
  }

  static ExecutorConfig config(BatchPolicy policy, int maxQueueSize, int instances) {
    return new ExecutorConfig("test-lane", "hk", policy, maxQueueSize, instances, 1);
  }

  /** Windows that hold even on an idle lane (work-conserving off): the tests keep items queued behind them. */
  static BatchPolicy windows(Duration standard, Duration batch) {
    return new BatchPolicy(16, List.of(), BatchPolicy.delays(Duration.ZERO, standard, batch), 8, List.of(), List.of(),
        2048).withWorkConserving(false);
  }

  @AfterEach
  void noLeaks() throws InterruptedException {
    if (executor == null) return;
    assertNoLeaks(executor);
    executor.close();
  }

  /** Every accepted item answered, and no queue slot, in-flight item or pooled native buffer left behind. */
  static void assertNoLeaks(LaneExecutor executor) throws InterruptedException {
    assertTrue(executor.awaitIdle(Duration.ofSeconds(60)), "every accepted item answered");
    assertEquals(0, executor.queueDepth(), "queue slots leaked");
    assertEquals(0, executor.inFlight(), "in-flight items leaked");
    assertEquals(0, executor.nativeBuffersInUse(), "pooled native buffers leaked");
  }

  /** A distinct text per (client, request, item), of a length that varies from a few tokens to ~150. */
  static String text(Random r, int client, int request, int item) {
    StringBuilder sb = new StringBuilder("client " + client + " request " + request + " item " + item + ":");
    String[] words = {"harbour", "ferry", "typhoon", "dim sum", "tram", "skyline", "market", "island", "peak",
        "lantern", "tea", "junk boat", "signal", "monsoon", "neon"};
    int n = r.nextInt(10) < 8 ? 1 + r.nextInt(12) : 30 + r.nextInt(80);
    for (int i = 0; i < n; i++) sb.append(' ').append(words[r.nextInt(words.length)]);
    return sb.toString();
  }

  @Test
  void concurrentClients_eachGetExactlyTheirOwnVectorsInOrder() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofMillis(2), Duration.ofMillis(5)), 4096, 2), CPU,
        List.of(spec("fp32"), spec("int8")));
    int clients = 64;
    int requestsPerClient = 3;
    record Sent(ModelKey key, List<String> texts, CompletableFuture<EmbedResult> future) {}
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<List<Sent>>> perClient = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      perClient.add(pool.submit(() -> {
        Random r = new Random(client);
        List<Sent> sent = new ArrayList<>();
        for (int q = 0; q < requestsPerClient; q++) {
          List<String> texts = new ArrayList<>();
          for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) texts.add(text(r, client, q, i));
          ModelKey key = (client + q) % 3 == 0 ? INT8 : FP32;
          Priority p = Priority.values()[(client + q) % 3];
          sent.add(new Sent(key, texts, executor.submit(
              new EmbedRequest(key, texts, System.nanoTime() + TimeUnit.SECONDS.toNanos(60), p))));
        }
        return sent;
      }));
    }
    List<Sent> all = new ArrayList<>();
    for (Future<List<Sent>> f : perClient) all.addAll(f.get(60, TimeUnit.SECONDS));
    pool.shutdown();
    int texts = 0;
    for (Sent s : all) texts += s.texts().size();
    // references: each text alone, unbatched and unpadded, on its own session
    Map<String, float[]> reference = new HashMap<>();
    for (String variant : List.of("fp32", "int8")) {
      try (Tokenizer tok = Tokenizer.load(spec(variant).encoderSpec());
          EncoderSession alone = EncoderSession.open(spec(variant).encoderSpec(), List.of("cpu"), 1)) {
        for (Sent s : all) {
          if (!s.key().variant().equals(variant)) continue;
          for (String t : s.texts()) reference.put(s.key() + "|" + t, alone.embed(List.of(tok.encode(t)))[0]);
        }
      }
    }
    long answered = 0;
    for (Sent s : all) {
      EmbedResult r = s.future().get(60, TimeUnit.SECONDS);
      assertEquals(s.texts().size(), r.vectors().length);
      for (int i = 0; i < s.texts().size(); i++) {
        float[] want = reference.get(s.key() + "|" + s.texts().get(i));
        double cos = cosine(want, r.vectors()[i]);
        // fp32: batching and padding change nothing; int8: per-tensor activation scales drift with batch neighbours
        assertTrue(cos >= (s.key().equals(FP32) ? 0.9999 : 0.95), s.key() + " text " + i + " cosine " + cos);
        if (s.key().equals(INT8)) { // and still closer to its own text than to its neighbours in the request
          for (int j = 0; j < s.texts().size(); j++) {
            if (j == i) continue;
            float[] other = reference.get(s.key() + "|" + s.texts().get(j));
            assertTrue(cos > cosine(other, r.vectors()[i]), "int8 text " + i + " closer to text " + j);
          }
        }
        answered++;
      }
    }
    assertEquals(texts, answered);
    assertEquals(texts, executor.stats().inferenceCount(), "each text computed exactly once");
    assertTrue(executor.stats().executionCount() < texts, "some texts were batched together");
  }

  @Test
  void burstBeyondAReadyBatch_everyDeferredRequestIsAnswered_andInteractiveIsNotHeldBack() throws Exception {
    // one instance, 300 batch-class requests at once: once a batch's worth is tokenised the rest is tokenised in bulk
    // as batches are taken; an interactive request submitted behind them is tokenised at once and runs first
    executor = LaneExecutor.start(config(windows(Duration.ofMillis(2), Duration.ofMillis(5)), 4096, 1), CPU,
        List.of(spec("int8")));
    Random r = new Random(5);
    List<CompletableFuture<EmbedResult>> burst = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      burst.add(executor.submit(new EmbedRequest(INT8, List.of(text(r, 0, i, 0)), Long.MAX_VALUE, Priority.BATCH)));
    }
    CompletableFuture<EmbedResult> urgent =
        executor.submit(new EmbedRequest(INT8, List.of("an interactive text"), Long.MAX_VALUE, Priority.INTERACTIVE));
    urgent.get(60, TimeUnit.SECONDS);
    long unfinished = burst.stream().filter(f -> !f.isDone()).count();
    assertTrue(unfinished > 0, "the interactive request finished before the batch-class burst");
    for (CompletableFuture<EmbedResult> f : burst) {
      assertEquals(1, f.get(120, TimeUnit.SECONDS).vectors().length);
    }
    assertEquals(301, executor.stats().inferenceCount(), "each text computed once");
  }

  @Test
  void submit_refusesWithQueueFullBeyondMaxQueueSize_butKeepsRoomForInteractive() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofMillis(2), Duration.ofSeconds(30)), 8, 1), CPU,
        List.of(spec("fp32")));
    CompletableFuture<EmbedResult> tooMany = executor.submit(new EmbedRequest(FP32,
        List.of("a", "b", "c", "d", "e", "f", "g", "h", "i"), Long.MAX_VALUE, Priority.INTERACTIVE));
    ExecutionException e = assertThrows(ExecutionException.class, () -> tooMany.get(1, TimeUnit.SECONDS));
    assertInstanceOf(ExecutorException.QueueFull.class, e.getCause());
    List<CompletableFuture<EmbedResult>> held = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // batch-class work may fill 3/4 of max_queue_size (8)
      held.add(executor.submit(new EmbedRequest(FP32, List.of("held " + i), Long.MAX_VALUE, Priority.BATCH)));
    }
    CompletableFuture<EmbedResult> seventh =
        executor.submit(new EmbedRequest(FP32, List.of("one more"), Long.MAX_VALUE, Priority.BATCH));
    e = assertThrows(ExecutionException.class, () -> seventh.get(1, TimeUnit.SECONDS));
    assertInstanceOf(ExecutorException.QueueFull.class, e.getCause());
    assertEquals(10, executor.stats().rejectedCount());
    // the held batch work waits out its 30 s window; an interactive request still gets in and runs at once
    EmbedResult urgent = executor.submit(new EmbedRequest(FP32, List.of("urgent"), Long.MAX_VALUE,
        Priority.INTERACTIVE)).get(10, TimeUnit.SECONDS);
    assertEquals(384, urgent.vectors()[0].length);
    assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "batch work still queued behind its window");
    executor.stopAccepting(); // flush: the held items run without waiting out their window
    for (CompletableFuture<EmbedResult> f : held) assertEquals(384, f.get(10, TimeUnit.SECONDS).vectors()[0].length);
  }

  /** Work-conserving (the default): one request on an idle lane does not wait out its class's 30 s window. */
  @Test
  void idleLane_runsALoneRequestAtOnce_notAfterItsWindow() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofSeconds(30), Duration.ofSeconds(30))
        .withWorkConserving(true), 64, 2), CPU, List.of(spec("fp32")));
    EmbedResult r = executor.submit(new EmbedRequest(FP32, List.of("alone on an idle lane"), Long.MAX_VALUE,
        Priority.STANDARD)).get(10, TimeUnit.SECONDS);
    assertEquals(384, r.vectors()[0].length);
    assertEquals(1, executor.stats().executionCount());
  }

  @Test
  void deadline_expiresBeforeComputeWithATypedError() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofMillis(2), Duration.ofSeconds(30)), 64, 1), CPU,
        List.of(spec("fp32")));
    CompletableFuture<EmbedResult> f = executor.submit(new EmbedRequest(FP32, List.of("too late", "also late"),
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), Priority.BATCH));
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertInstanceOf(ExecutorException.DeadlineExceeded.class, e.getCause());
    assertEquals(0, executor.stats().inferenceCount(), "nothing was computed");
    assertTrue(executor.stats().expiredCount() >= 1);
  }

  @Test
  void cancel_freesTheRequestsQueuedItems() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofMillis(2), Duration.ofSeconds(30)), 64, 1), CPU,
        List.of(spec("fp32")));
    CompletableFuture<EmbedResult> f =
        executor.submit(new EmbedRequest(FP32, List.of("x", "y", "z"), Long.MAX_VALUE, Priority.BATCH));
    // tokenised and queued (not merely holding slots, as at submit), behind a 30 s window
    awaitTrue(() -> executor.tokenisedQueued(Priority.BATCH) == 3, "the three items tokenised and queued");
    assertTrue(executor.expectedWaitNanos(Priority.BATCH) > 0, "their expected compute counts in the wait");
    assertTrue(f.cancel(false)); // the cancel hook runs on this thread, before cancel returns
    assertEquals(0, executor.tokenisedQueued(Priority.BATCH), "the items left the queue");
    assertEquals(0, executor.queueDepth(), "their slots are free");
    assertEquals(0, executor.inFlight());
    assertEquals(0, executor.expectedWaitNanos(Priority.BATCH), "their expected compute left the estimate");
    assertEquals(3, executor.stats().cancelledCount());
    // flush the window: were the items still queued, they would run now; nothing is computed, no session is called
    Map<String, Long> before = executor.sessionRuns();
    executor.stopAccepting();
    assertTrue(executor.awaitIdle(Duration.ofSeconds(10)));
    assertEquals(0, executor.stats().inferenceCount(), "the cancelled items were never computed");
    assertEquals(0, executor.stats().executionCount());
    assertEquals(before, executor.sessionRuns(), "no ONNX Runtime call after the cancel");
    ExecutionException e = assertThrows(ExecutionException.class, () -> executor.submit(new EmbedRequest(FP32,
        List.of("after"), Long.MAX_VALUE, Priority.BATCH)).get(1, TimeUnit.SECONDS));
    assertInstanceOf(ExecutorException.ShuttingDown.class, e.getCause(), "the flush was a real one");
  }

  @Test
  void staticShapes_refuseATextLongerThanTheLargestSequenceLength_andPadToAStaticShape() throws Exception {
    BatchPolicy npu = new BatchPolicy(16, List.of(1, 4, 8, 16), BatchPolicy.delays(Duration.ZERO, Duration.ZERO,
        Duration.ZERO), 8, List.of(1, 4, 8, 16), List.of(16, 32), 0);
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .build()) {
      executor = LaneExecutor.start(config(npu, 64, 1), CPU, List.of(spec("int8")), otel);
      Map<String, Long> warmUp = executor.sessionRuns(); // the warm-up and cost-model seeding calls
      for (String shape : warmUp.keySet()) { // a static-shape device (an NPU) compiles only its shapes: warm-up too
        String[] rc = shape.split("x");
        assertTrue(List.of(1, 4, 8, 16).contains(Integer.parseInt(rc[0])) && List.of(16, 32).contains(
            Integer.parseInt(rc[1])), "warm-up ran " + shape + ", not a static shape: " + warmUp);
      }
      String longText = "word ".repeat(60);
      CompletableFuture<EmbedResult> f =
          executor.submit(new EmbedRequest(INT8, List.of("short", longText), Long.MAX_VALUE, Priority.STANDARD));
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      assertInstanceOf(ExecutorException.InputTooLong.class, e.getCause());
      // three short texts (3 tokens each with [CLS] and [SEP]) run as one 4 x 16 call: a filler row added
      EmbedResult ok = executor.submit(new EmbedRequest(INT8, List.of("one", "two", "three"), Long.MAX_VALUE,
          Priority.STANDARD)).get(10, TimeUnit.SECONDS);
      assertEquals(3, ok.vectors().length);
      assertEquals(1, executor.stats().executionCount(), "one call, and none for the refused request");
      Map<String, Long> calls = new HashMap<>(executor.sessionRuns());
      warmUp.forEach((shape, n) -> calls.merge(shape, -n, Long::sum));
      calls.values().removeIf(n -> n == 0);
      assertEquals(Map.of("4x16", 1L), calls, "ONNX Runtime ran exactly one call, of shape 4 x 16");
      assertEquals(3, executor.stats().inferenceCount());
      assertEquals(9.0 / (4 * 16), executor.stats().paddingEfficiency(), 1e-12, "9 real tokens in 4 x 16");
      List<SpanData> batches = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("batch")).toList();
      assertEquals(1, batches.size(), "one batch span: " + batches);
      assertEquals("4x16", batches.getFirst().getAttributes().get(AttributeNames.BATCH_PADDED_SHAPE));
      assertEquals(3L, batches.getFirst().getAttributes().get(AttributeNames.BATCH_SIZE));
    }
  }

  @Test
  void submit_shedsTheNewestLessUrgentRequest_toAdmitMoreUrgentWork() throws Exception {
    // max_queue_size 8: batch may hold 6 (3/4), standard 7 (7/8); windows of 30 s keep that work queued
    executor = LaneExecutor.start(config(windows(Duration.ofSeconds(30), Duration.ofSeconds(30)), 8, 1), CPU,
        List.of(spec("fp32")));
    List<CompletableFuture<EmbedResult>> batch = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      batch.add(executor.submit(new EmbedRequest(FP32, List.of("batch " + i), Long.MAX_VALUE, Priority.BATCH)));
    }
    // a seventh batch request finds its class's share held: refused, never admitted by shedding its own class
    CompletableFuture<EmbedResult> seventh =
        executor.submit(new EmbedRequest(FP32, List.of("batch 6"), Long.MAX_VALUE, Priority.BATCH));
    ExecutionException e = assertThrows(ExecutionException.class, () -> seventh.get(1, TimeUnit.SECONDS));
    ExecutorException.QueueFull full = assertInstanceOf(ExecutorException.QueueFull.class, e.getCause());
    assertEquals(ExecutorException.QueueFull.Reason.FULL, full.reason());
    CompletableFuture<EmbedResult> standardA =
        executor.submit(new EmbedRequest(FP32, List.of("standard a"), Long.MAX_VALUE, Priority.STANDARD));
    assertEquals(7, executor.queueDepth());
    // standard's share (7) is held: the newest batch request is shed to admit it
    CompletableFuture<EmbedResult> standardB =
        executor.submit(new EmbedRequest(FP32, List.of("standard b"), Long.MAX_VALUE, Priority.STANDARD));
    e = assertThrows(ExecutionException.class, () -> batch.get(5).get(1, TimeUnit.SECONDS));
    ExecutorException.QueueFull shed = assertInstanceOf(ExecutorException.QueueFull.class, e.getCause());
    assertEquals(ExecutorException.QueueFull.Reason.SHED, shed.reason());
    assertTrue(shed.getMessage().contains("shed to admit standard"), shed.getMessage());
    assertEquals(7, executor.queueDepth());
    // a request the tokenizer thread holds at that moment cannot be shed (it is in neither the backlog nor the queue):
    // wait until it has caught up, so that the newest batch request is the one queued to go
    awaitTrue(() -> executor.tokenisedQueued(Priority.BATCH) == 5 && executor.tokenisedQueued(Priority.STANDARD) == 2,
        "the seven items tokenised and queued");
    // two interactive texts do not fit in the one free slot: the next newest batch request goes, standard stays
    EmbedResult urgent = executor.submit(new EmbedRequest(FP32, List.of("urgent", "also urgent"), Long.MAX_VALUE,
        Priority.INTERACTIVE)).get(10, TimeUnit.SECONDS);
    assertEquals(2, urgent.vectors().length);
    e = assertThrows(ExecutionException.class, () -> batch.get(4).get(1, TimeUnit.SECONDS));
    assertEquals(ExecutorException.QueueFull.Reason.SHED,
        assertInstanceOf(ExecutorException.QueueFull.class, e.getCause()).reason());
    assertEquals(2, executor.stats().shedCount());
    for (int i = 0; i < 4; i++) assertFalse(batch.get(i).isDone(), "older batch request " + i + " still queued");
    assertFalse(standardA.isDone() || standardB.isDone(), "standard work is not shed while batch work is queued");
    executor.stopAccepting(); // flush the rest: all of it is answered
    for (int i = 0; i < 4; i++) assertEquals(384, batch.get(i).get(10, TimeUnit.SECONDS).vectors()[0].length);
    standardA.get(10, TimeUnit.SECONDS);
    standardB.get(10, TimeUnit.SECONDS);
  }

  @Test
  void expectedWait_isZeroWhenIdle_andCountsOnlyWorkAheadOfTheClass() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofSeconds(30), Duration.ofSeconds(30)), 64, 1), CPU,
        List.of(spec("fp32")));
    for (Priority p : Priority.values()) assertEquals(0, executor.expectedWaitNanos(p), p + " on an idle lane");
    assertTrue(executor.expectedCompletionNanos(Priority.INTERACTIVE, 1) > 0, "the warm-up seeded the cost model");
    List<CompletableFuture<EmbedResult>> held = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // fewer than a batch (16): they wait out the 30 s window
      held.add(executor.submit(new EmbedRequest(FP32, List.of("queued batch text " + i), Long.MAX_VALUE,
          Priority.BATCH)));
    }
    long batchWait = executor.expectedWaitNanos(Priority.BATCH);
    assertTrue(batchWait > 0, "batch work waits behind the queued batch work");
    assertEquals(0, executor.expectedWaitNanos(Priority.STANDARD), "nothing queued ahead of standard");
    assertEquals(0, executor.expectedWaitNanos(Priority.INTERACTIVE), "nothing queued ahead of interactive");
    // a batch request whose deadline is shorter than that wait is refused at once, not queued to expire
    CompletableFuture<EmbedResult> hopeless = executor.submit(new EmbedRequest(FP32, List.of("hopeless"),
        System.nanoTime() + batchWait / 10, Priority.BATCH));
    ExecutionException e = assertThrows(ExecutionException.class, () -> hopeless.get(1, TimeUnit.SECONDS));
    ExecutorException.QueueFull refused = assertInstanceOf(ExecutorException.QueueFull.class, e.getCause());
    assertEquals(ExecutorException.QueueFull.Reason.DEADLINE, refused.reason());
    assertTrue(refused.retryAfterNanos() > 0);
    // an interactive request with the same deadline is not behind that work: admitted and answered
    executor.submit(new EmbedRequest(FP32, List.of("urgent"), System.nanoTime() + TimeUnit.SECONDS.toNanos(10),
        Priority.INTERACTIVE)).get(10, TimeUnit.SECONDS);
    executor.stopAccepting();
    for (CompletableFuture<EmbedResult> f : held) f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void deadline_passingWhileTheBatchExecutes_isAnsweredAtOnce_andSaysSo() throws Exception {
    // one 32 x ~250-token fp32 batch on one single-threaded instance takes several hundred ms; the deadline is 100 ms
    BatchPolicy unbounded = new BatchPolicy(32, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ZERO,
        Duration.ZERO), 8, List.of(), List.of(), 0);
    executor = LaneExecutor.start(config(unbounded, 64, 1), CPU, List.of(spec("fp32")));
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 32; i++) texts.add(("long text " + i + " ").repeat(80));
    CompletableFuture<EmbedResult> f = executor.submit(new EmbedRequest(FP32, texts,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100), Priority.INTERACTIVE));
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    long executionsWhenAnswered = executor.stats().executionCount();
    ExecutorException.DeadlineExceeded d = assertInstanceOf(ExecutorException.DeadlineExceeded.class, e.getCause());
    assertTrue(d.executing(), "expired while executing: " + d.getMessage());
    assertTrue(d.executingNanos() > 0 && d.expectedNanos() > 0, d.getMessage());
    assertEquals(0, executionsWhenAnswered, "answered before the batch returned");
  }

  /**
   * A batch ONNX Runtime fails: a real graph (fp32 MiniLM) with a tokenizer whose vocabulary maps "poison" past the
   * model's embedding table (id 999999 of 30522), so the Gather node refuses the batch at run time. Every text of the
   * batch, of both requests in it, is answered with the typed ExecutionFailed carrying ONNX Runtime's error; nothing
   * leaks (the after-each invariants include the pooled native buffers of the failed call), and the instance serves on.
   */
  @Test
  void aBatchThatFailsInOnnxRuntime_answersEveryTextWithExecutionFailed_andTheLaneServesOn() throws Exception {
    ExecutorModel poisoned = new ExecutorModel(ModelKey.of("all-minilm-l6-v2", "poisoned"),
        "classpath:all-minilm-l6-v2.onnx", "classpath:poison-tokenizer.json", ExecutorModel.Pooling.MEAN, 256);
    // two items make a full batch (dispatched at once); a lone standard item would wait out its 30 s window, even on
    // this idle lane (work-conserving off)
    BatchPolicy pairs = new BatchPolicy(2, List.of(), BatchPolicy.delays(Duration.ZERO, Duration.ofSeconds(30),
        Duration.ofSeconds(30)), 1, List.of(), List.of(), 0).withWorkConserving(false);
    executor = LaneExecutor.start(config(pairs, 64, 1), CPU, List.of(poisoned));
    CompletableFuture<EmbedResult> innocent = executor.submit(
        new EmbedRequest(poisoned.key(), List.of("hello world"), Long.MAX_VALUE, Priority.STANDARD));
    CompletableFuture<EmbedResult> poison = executor.submit(
        new EmbedRequest(poisoned.key(), List.of("poison"), Long.MAX_VALUE, Priority.STANDARD));
    for (CompletableFuture<EmbedResult> f : List.of(innocent, poison)) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      ExecutorException.ExecutionFailed failed =
          assertInstanceOf(ExecutorException.ExecutionFailed.class, e.getCause());
      assertInstanceOf(OrtException.class, failed.getCause().getCause(), "ONNX Runtime's own error: " + failed);
    }
    assertEquals(1, executor.stats().failedBatchCount(), "one batch, both requests in it");
    assertEquals(0, executor.stats().inferenceCount());
    assertTrue(executor.awaitIdle(Duration.ofSeconds(10)), "the failed items left the in-flight gate");
    assertEquals(0, executor.inFlight());
    assertEquals(0, executor.queueDepth(), "their queue slots are free");
    assertEquals(0, executor.nativeBuffersInUse(), "the failed call gave its pooled buffers back");
    EmbedResult after = executor.submit(new EmbedRequest(poisoned.key(), List.of("hello", "world"), Long.MAX_VALUE,
        Priority.STANDARD)).get(10, TimeUnit.SECONDS);
    assertEquals(384, after.vectors()[1].length);
    assertEquals(2, executor.stats().inferenceCount());
  }

  /**
   * Drain with work running and work queued behind a 30 s window: drain flushes the window and waits on the in-flight
   * gate, so every accepted request is answered with its vectors by the time drainAndClose returns (were it not to wait,
   * close would fail the queued ones with ShuttingDown); afterwards submit refuses.
   */
  @Test
  void drainAndClose_answersEveryAcceptedRequest_queuedOrRunning() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofSeconds(30), Duration.ofSeconds(30)), 64, 1), CPU,
        List.of(spec("fp32")));
    List<CompletableFuture<EmbedResult>> accepted = new ArrayList<>();
    List<String> longTexts = new ArrayList<>();
    for (int i = 0; i < 8; i++) longTexts.add(("a long running text " + i + " ").repeat(40));
    accepted.add(executor.submit(new EmbedRequest(FP32, longTexts, Long.MAX_VALUE, Priority.INTERACTIVE)));
    for (int i = 0; i < 5; i++) {
      accepted.add(executor.submit(new EmbedRequest(FP32, List.of("queued " + i, "and its neighbour " + i),
          Long.MAX_VALUE, Priority.BATCH)));
    }
    assertTrue(executor.inFlight() > 0);
    executor.drainAndClose(20_000);
    for (CompletableFuture<EmbedResult> f : accepted) {
      assertTrue(f.isDone(), "answered before drainAndClose returned");
      EmbedResult r = f.getNow(null); // throws if it failed
      assertEquals(384, r.vectors()[0].length);
    }
    assertEquals(18, executor.stats().inferenceCount());
    ExecutionException e = assertThrows(ExecutionException.class, () -> executor.submit(new EmbedRequest(FP32,
        List.of("late"), Long.MAX_VALUE, Priority.INTERACTIVE)).get(1, TimeUnit.SECONDS));
    assertInstanceOf(ExecutorException.ShuttingDown.class, e.getCause());
  }

  /** Close with items queued: each request fails with ShuttingDown at once, nothing computed, no slot held. */
  @Test
  void close_failsWhatIsStillQueued_withShuttingDown() throws Exception {
    executor = LaneExecutor.start(config(windows(Duration.ofSeconds(30), Duration.ofSeconds(30)), 64, 1), CPU,
        List.of(spec("fp32")));
    List<CompletableFuture<EmbedResult>> queued = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queued.add(executor.submit(new EmbedRequest(FP32, List.of("queued " + i, "neighbour " + i), Long.MAX_VALUE,
          Priority.BATCH)));
    }
    awaitTrue(() -> executor.tokenisedQueued(Priority.BATCH) == 8, "the eight items tokenised and queued");
    executor.close();
    for (CompletableFuture<EmbedResult> f : queued) {
      assertTrue(f.isDone(), "failed before close returned");
      ExecutionException e = assertThrows(ExecutionException.class, f::get);
      assertInstanceOf(ExecutorException.ShuttingDown.class, e.getCause());
    }
    assertEquals(0, executor.stats().inferenceCount());
    assertEquals(0, executor.queueDepth());
    assertEquals(0, executor.inFlight());
  }

  /**
   * Waits for a state another thread reaches (tokenising happens on the tokenizer or an instance thread, and the
   * executor has no event to wait on for it): checks every millisecond, fails after 10 s.
   */
  static void awaitTrue(BooleanSupplier condition, String what) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for: " + what);
      LockSupport.parkNanos(1_000_000);
    }
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
