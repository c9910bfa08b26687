package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.laneway.runtime.EncoderSession;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two lanes started with one {@link SharedSessions} whose devices ask for the same providers open each session once
 * between them (real ONNX Runtime, int8 MiniLM on the CPU provider); the session stays open while either lane runs.
 */
class SharedSessionsTest {
  private static final BatchPolicy POLICY = new BatchPolicy(16, List.of(), BatchPolicy.delays(Duration.ZERO,
      Duration.ZERO, Duration.ZERO), 8, List.of(), List.of(), 0);

  private static LaneExecutor lane(String name, List<Placement> devices, SharedSessions share) {
    return LaneExecutor.start(new ExecutorConfig(name, "hk", POLICY, 64, 1, 1), devices,
        List.of(LaneExecutorTest.spec("int8")), io.opentelemetry.api.OpenTelemetry.noop(), share);
  }

  private static float[] embed(LaneExecutor ex, String text) throws Exception {
    return ex.submit(new EmbedRequest(LaneExecutorTest.INT8, List.of(text), Long.MAX_VALUE, Priority.STANDARD))
        .get(30, TimeUnit.SECONDS).vectors()[0];
  }

  @Test
  void twoLanesOnTheSameProviders_openOneSession_whichOutlivesTheFirstLaneToClose() throws Exception {
    SharedSessions share = SharedSessions.create();
    LaneExecutor hk = lane("hk-general", List.of(new Placement("hk-gpu0", List.of("cuda", "cpu"))), share);
    LaneExecutor intl = lane("intl-general", List.of(new Placement("intl-gpu0", List.of("cuda", "cpu"))), share);
    try {
      assertEquals(1, share.openSessions(), "one session between the two lanes");
      assertEquals(Map.of(LaneExecutorTest.INT8, 1), hk.coldStarts(), "the first lane opened it");
      assertEquals(Map.of(LaneExecutorTest.INT8, 0), intl.coldStarts(), "the second took it: no cold start");
      float[] a = embed(hk, "a shared session");
      assertArrayEquals(a, embed(intl, "a shared session"), 1e-6f, "the same weights answer the same");
      hk.close();
      assertEquals(1, share.openSessions(), "still held by intl-general");
      assertArrayEquals(a, embed(intl, "a shared session"), 1e-6f, "intl-general computes after hk-general closed");
    } finally {
      hk.close();
      intl.close();
    }
    assertEquals(0, share.openSessions(), "the last lane to close closed it");
  }

  @Test
  void otherProviders_orNoShare_openTheirOwn() throws Exception {
    SharedSessions share = SharedSessions.create();
    try (LaneExecutor gpu = lane("general", List.of(new Placement("gpu0", List.of("cuda", "cpu"))), share);
        LaneExecutor cpu = lane("cpu", LaneExecutorTest.CPU, share);
        LaneExecutor alone = lane("alone", List.of(new Placement("gpu1", List.of("cuda", "cpu"))),
            SharedSessions.none())) {
      assertEquals(2, share.openSessions(), "[cuda, cpu] and [cpu] are two sessions");
      assertEquals(Map.of(LaneExecutorTest.INT8, 1), cpu.coldStarts());
      assertEquals(Map.of(LaneExecutorTest.INT8, 1), alone.coldStarts(), "a lane without a share opens its own");
      embed(alone, "its own session");
    }
    assertEquals(0, share.openSessions());
  }

  @Test
  void aFailedOpen_failsEveryLaneWaitingForIt_andTheNextAcquireOpensAgain() {
    SharedSessions share = SharedSessions.create();
    AtomicInteger opens = new AtomicInteger();
    IllegalStateException broken = new IllegalStateException("no such model");
    var spec = LaneExecutorTest.spec("int8").encoderSpec();
    assertSame(broken, assertThrows(IllegalStateException.class, () -> share.acquire(spec, List.of("cpu"), 1, () -> {
      opens.incrementAndGet();
      throw broken;
    })));
    assertEquals(0, share.openSessions(), "nothing kept of a failed open");
    SharedSessions.Lease lease = share.acquire(spec, List.of("cpu"), 1, () -> {
      opens.incrementAndGet();
      return EncoderSession.open(spec, List.of("cpu"), 1);
    });
    assertEquals(2, opens.get(), "opened again");
    share.release(lease);
    assertEquals(0, share.openSessions());
  }

  /**
   * The lane is made (its tokenizers loaded) on another thread while its sessions open: when making it fails, the
   * start throws that failure, and every session opened meanwhile is given back.
   */
  @Test
  void aLaneThatCannotBeMade_throwsItsOwnFailure_andGivesItsSessionsBack() {
    SharedSessions share = SharedSessions.create();
    ExecutorModel int8 = LaneExecutorTest.spec("int8");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaneExecutor.start(
        new ExecutorConfig("twice", "hk", POLICY, 64, 1, 1), LaneExecutorTest.CPU, List.of(int8, int8),
        io.opentelemetry.api.OpenTelemetry.noop(), share));
    assertEquals("models: " + LaneExecutorTest.INT8 + " twice (expected: once)", e.getMessage());
    assertEquals(0, share.openSessions(), "the sessions opened while the lane was made are closed");
  }
}
