package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch that fails to allocate on its device is split and retried, against the real MiniLM fp32 model (fp32: its vectors do not depend on the batch, as the int8 model's
 * dynamic quantisation does) on ONNX
 * Runtime's CPU provider; the allocation failure is the injected row limit (the {@code oom} fault), as a real device's
 * cannot be had here. One request of 16 texts runs as one 16-row batch (a 16-row maximum and a long window).
 */
class DeviceMemoryTest {
  LaneExecutor executor;

  @AfterEach
  void noLeaks() throws InterruptedException {
    if (executor == null) return;
    LaneExecutorTest.assertNoLeaks(executor);
    executor.close();
  }

  static List<String> texts() {
    List<String> t = new ArrayList<>();
    for (int i = 0; i < 16; i++) t.add("text number " + i + " about the harbour and its ferries");
    return t;
  }

  float[][] embed() throws Exception {
    return executor.submit(new EmbedRequest(LaneExecutorTest.FP32, texts(),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(60), Priority.STANDARD)).get(60, TimeUnit.SECONDS).vectors();
  }

  void start() {
    executor = LaneExecutor.start(LaneExecutorTest.config(LaneExecutorTest.windows(Duration.ofMillis(500),
        Duration.ofMillis(500)), 1024, 1), LaneExecutorTest.CPU, List.of(LaneExecutorTest.spec("fp32")));
  }

  @Test
  void oomAbove8_splitsABatchOf16AndAnswersTheSameVectors() throws Exception {
    start();
    float[][] whole = embed();
    assertEquals(0, executor.stats().oomSplitCount());
    executor.limitRows(device -> 8);
    float[][] split = embed();
    assertEquals(1, executor.stats().oomSplitCount(), "16 rows -> 8 + 8");
    assertEquals(0, executor.stats().failedBatchCount());
    for (int i = 0; i < whole.length; i++) assertArrayEquals(whole[i], split[i], 1e-5f, "text " + i);
    executor.limitRows(device -> 3);
    embed();
    assertEquals(1 + 7, executor.stats().oomSplitCount(), "16 -> 8, 8 -> 4 x 4 -> 2 x 8: 7 splits");
  }

  @Test
  void otherFailuresAreNotSplit() {
    assertTrue(DeviceMemory.allocationFailure(new IllegalStateException("inference failed: "
        + "[ErrorCode:RuntimeException] Failed to allocate memory for requested buffer of size 1048576")));
    assertTrue(DeviceMemory.allocationFailure(new RuntimeException(new OutOfMemoryError("CUDA out of memory"))));
    assertFalse(DeviceMemory.allocationFailure(new IllegalStateException("inference failed: invalid input")));
  }
}
