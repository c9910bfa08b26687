package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.BreakerSpec;
import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The breaker and bulkhead wiring, over a scripted inner lane (the real executor is exercised by the gateway's fault
 * injection test). Breaker: window 10, minimum 5, 50 %, 200 ms in open, 2 probes.
 */
class GuardedLaneTest {
  static final BreakerSpec BREAKER = new BreakerSpec(10, 5, 50, Duration.ofSeconds(5), 100, Duration.ofMillis(200), 2);
  static final LaneSpec SPEC = new LaneSpec("l", "hk", LaneClass.GENERAL, List.of("d0"), 1, 1, null, BREAKER, 2, null);
  static final VariantSpec V = new VariantSpec("int8", "x.onnx", "t.json", true, List.of(LaneClass.GENERAL));
  static final ModelSpec M = new ModelSpec("m", "m", 4, "mean", 16, "int8", List.of(V));
  static final LaneCall CALL = new LaneCall(M, V, List.of("hi"), Long.MAX_VALUE, "standard");

  /** A lane whose answers a test scripts; everything else is inert. */
  static final class Scripted implements Lane {
    volatile Supplier<CompletableFuture<LaneResult>> next = () -> CompletableFuture.completedFuture(ok());
    final LaneSpec spec;

    Scripted() {
      this(SPEC);
    }

    Scripted(LaneSpec spec) {
      this.spec = spec;
    }

    public String id() { return "l"; }
    public LaneSpec spec() { return spec; }
    public boolean serves(String model, String variant) { return true; }
    public List<DeviceStatus> devices() { return List.of(); }
    public boolean ready() { return true; }
    public CompletableFuture<LaneResult> infer(LaneCall call) { return next.get(); }
    public int inFlight() { return 0; }
    public void drainAndClose(long timeoutMillis) { }
    public void close() { }
  }

  static LaneResult ok() {
    return new LaneResult(new float[][] {{1, 0, 0, 0}}, new int[] {3}, "l", "hk", "d0", "cpu", true, "int8", 0, 0);
  }

  static Throwable outcome(GuardedLane lane) {
    return outcome(lane, CALL);
  }

  static Throwable outcome(GuardedLane lane, LaneCall call) {
    return outcome(lane.infer(call));
  }

  @Test
  void clientErrors_doNotCountTowardTheBreaker() {
    Scripted inner = new Scripted();
    GuardedLane lane = GuardedLane.create(inner, new DeviceFaults(), Map.of());
    inner.next = () -> CompletableFuture.failedFuture(new IllegalArgumentException("input too long"));
    for (int i = 0; i < 30; i++) assertInstanceOf(IllegalArgumentException.class, outcome(lane));
    inner.next = () -> CompletableFuture.failedFuture(new LaneException.QueueFull("l", "full"));
    for (int i = 0; i < 30; i++) assertInstanceOf(LaneException.QueueFull.class, outcome(lane));
    assertEquals("closed", lane.breakerState());
    assertNull(lane.unavailableReason());
  }

  @Test
  void deviceOffline_opensTheBreaker_thenHalfOpenProbesCloseIt() throws Exception {
    Scripted inner = new Scripted();
    DeviceFaults faults = new DeviceFaults();
    GuardedLane lane = GuardedLane.create(inner, faults, Map.of());
    faults.setOffline("d0", true);
    for (int i = 0; i < 5; i++) assertInstanceOf(LaneException.DeviceFailed.class, outcome(lane));
    assertEquals("open", lane.breakerState());
    assertEquals("breaker open", lane.unavailableReason());
    Throwable refused = outcome(lane);
    assertTrue(refused.getMessage().contains("breaker open"), refused.getMessage());
    faults.setOffline("d0", false);
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!lane.breakerState().equals("half_open") && System.nanoTime() < until) Thread.sleep(20);
    assertEquals("half_open", lane.breakerState());
    assertNull(outcome(lane));
    assertNull(outcome(lane));
    assertEquals("closed", lane.breakerState());
  }

  @Test
  void injectedFailureRate_andBulkhead() {
    Scripted inner = new Scripted();
    DeviceFaults faults = new DeviceFaults();
    GuardedLane lane = GuardedLane.create(inner, faults, Map.of());
    faults.setFault("d0", null, 1.0, false);
    assertTrue(outcome(lane).getMessage().contains("injected fault"));
    faults.setFault("d0", null, null, true);
    assertNull(outcome(lane));
    CompletableFuture<LaneResult> hold = new CompletableFuture<>();
    inner.next = () -> hold;
    // interactive may use the whole of max_in_flight 2 (standard 1: the default shares keep a slot for interactive)
    lane.infer(call("interactive"));
    lane.infer(call("interactive"));
    assertEquals(2, lane.admittedInFlight());
    LaneException.QueueFull full =
        assertInstanceOf(LaneException.QueueFull.class, outcome(lane, call("interactive")), "max_in_flight 2");
    assertEquals(LaneException.QueueFull.Reason.IN_FLIGHT_FULL, full.reason());
    hold.complete(ok());
    assertEquals(0, lane.admittedInFlight());
  }

  static LaneCall call(String latencyClass) {
    return new LaneCall(M, V, List.of("hi"), Long.MAX_VALUE, latencyClass);
  }

  static LaneResult computed(long computeNanos, long expectedNanos) {
    return new LaneResult(new float[][] {{1, 0, 0, 0}}, new int[] {3}, "l", "hk", "d0", "cpu", true, "int8", 0,
        computeNanos, expectedNanos);
  }

  @Test
  void breaker_countsOnlyWhatTheDeviceDid() {
    List<Supplier<Throwable>> notTheDevice = List.of(
        () -> new LaneException.QueueFull("l", "full", LaneException.QueueFull.Reason.QUEUE_FULL, 0),
        () -> new LaneException.QueueFull("l", "shed", LaneException.QueueFull.Reason.SHED, 0),
        () -> new LaneException.QueueFull("l", "late", LaneException.QueueFull.Reason.WOULD_MISS_DEADLINE, 0),
        () -> new LaneException.DeadlineExceeded("l", "expired while queued"),
        () -> new LaneException.DeadlineExceeded("l", "expired executing, not overran", true,
            Duration.ofMillis(300).toNanos(), Duration.ofMillis(200).toNanos()),
        () -> new LaneException.Unavailable("l", "shutting down", null),
        () -> new LaneException.InvalidInput("l", "too long"),
        () -> new java.util.concurrent.CancellationException("client went away"),
        () -> new IllegalStateException("anything else"));
    for (Supplier<Throwable> kind : notTheDevice) {
      Scripted inner = new Scripted();
      GuardedLane lane = GuardedLane.create(inner, new DeviceFaults(), Map.of());
      Throwable t = kind.get();
      inner.next = () -> CompletableFuture.failedFuture(t);
      for (int i = 0; i < 30; i++) outcome(lane);
      assertEquals("closed", lane.breakerState(), t.toString());
      assertEquals(0, lane.breaker().getMetrics().getNumberOfBufferedCalls(), "not even counted: " + t);
      assertFalse(GuardedLane.countsAgainstDevice(t, BREAKER), t.toString());
    }
    List<Supplier<Throwable>> theDevice = List.of(
        () -> new LaneException.DeviceFailed("l", "execution failed", null),
        // a deadline that passed while the execution ran 10 s where 10 ms were expected: the device hung
        () -> new LaneException.DeadlineExceeded("l", "expired executing", true, Duration.ofSeconds(10).toNanos(),
            Duration.ofMillis(10).toNanos()));
    for (Supplier<Throwable> kind : theDevice) {
      Scripted inner = new Scripted();
      GuardedLane lane = GuardedLane.create(inner, new DeviceFaults(), Map.of());
      Throwable t = kind.get();
      inner.next = () -> CompletableFuture.failedFuture(t);
      for (int i = 0; i < BREAKER.minimumCalls(); i++) outcome(lane);
      assertEquals("open", lane.breakerState(), "opened after minimum_calls: " + t);
      assertTrue(GuardedLane.countsAgainstDevice(t, BREAKER), t.toString());
    }
  }

  @Test
  void breaker_judgesTheExecutionTime_neverTheQueueTime() {
    // slow_call 100 ms at 50 %, overrun_factor 10
    BreakerSpec b = new BreakerSpec(10, 5, 50, Duration.ofMillis(100), 50, Duration.ofSeconds(30), 2, 10);
    LaneSpec spec = new LaneSpec("l", "hk", LaneClass.GENERAL, List.of("d0"), 1, 1, null, b, 64, null);
    Scripted inner = new Scripted(spec);
    GuardedLane lane = GuardedLane.create(inner, new DeviceFaults(), Map.of());
    // answers that waited long in the queue (queueNanos 5 s) but computed as expected: fine
    inner.next = () -> CompletableFuture.completedFuture(new LaneResult(new float[][] {{1}}, new int[] {1}, "l", "hk",
        "d0", "cpu", true, "int8", Duration.ofSeconds(5).toNanos(), Duration.ofMillis(20).toNanos(),
        Duration.ofMillis(20).toNanos()));
    for (int i = 0; i < 20; i++) assertNull(outcome(lane));
    assertEquals(0, lane.breaker().getMetrics().getNumberOfSlowCalls());
    // over slow_call but within the factor of what this shape is expected to take (a big batch): not slow
    inner.next = () -> CompletableFuture.completedFuture(computed(Duration.ofMillis(400).toNanos(),
        Duration.ofMillis(100).toNanos()));
    for (int i = 0; i < 20; i++) assertNull(outcome(lane));
    assertEquals(0, lane.breaker().getMetrics().getNumberOfSlowCalls());
    assertEquals("closed", lane.breakerState());
    // 25x what the shape is expected to take and over slow_call: the device itself was slow
    inner.next = () -> CompletableFuture.completedFuture(computed(Duration.ofMillis(500).toNanos(),
        Duration.ofMillis(20).toNanos()));
    for (int i = 0; i < 5; i++) assertNull(outcome(lane));
    assertEquals("open", lane.breakerState());
    assertTrue(b.overran(Duration.ofMillis(500).toNanos(), Duration.ofMillis(20).toNanos()));
    assertFalse(b.overran(Duration.ofMillis(90).toNanos(), Duration.ofMillis(1).toNanos()), "under the floor");
    assertTrue(b.overran(Duration.ofMillis(101).toNanos(), 0), "no expectation: slow_call alone decides");
  }

  @Test
  void gate_keepsTheMoreUrgentClassesShare_andShedsTheNewestLessUrgentRequest() {
    // max_in_flight 8, default shares: batch may hold 6, standard 7, interactive 8
    LaneSpec spec = new LaneSpec("l", "hk", LaneClass.GENERAL, List.of("d0"), 1, 1, null, BREAKER, 8, null);
    Scripted inner = new Scripted(spec);
    GuardedLane lane = GuardedLane.create(inner, new DeviceFaults(), Map.of());
    List<CompletableFuture<LaneResult>> innerBatch = new java.util.ArrayList<>();
    List<CompletableFuture<LaneResult>> batch = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      CompletableFuture<LaneResult> hold = new CompletableFuture<>();
      innerBatch.add(hold);
      inner.next = () -> hold;
      batch.add(lane.infer(call("batch")));
    }
    LaneException.QueueFull refused = assertInstanceOf(LaneException.QueueFull.class, outcome(lane, call("batch")));
    assertEquals(LaneException.QueueFull.Reason.IN_FLIGHT_FULL, refused.reason());
    assertTrue(refused.getMessage().contains("batch class may use 6 of max_in_flight 8"), refused.getMessage());
    inner.next = CompletableFuture::new; // everything else stays in flight too
    CompletableFuture<LaneResult> standardA = lane.infer(call("standard"));
    CompletableFuture<LaneResult> standardB = lane.infer(call("standard")); // standard's 7 held: sheds batch 5
    assertTrue(batch.get(5).isCompletedExceptionally());
    LaneException.QueueFull shed = assertInstanceOf(LaneException.QueueFull.class, outcome(batch.get(5)));
    assertEquals(LaneException.QueueFull.Reason.SHED, shed.reason());
    assertTrue(innerBatch.get(5).isCancelled(), "the shed attempt's queued work is freed");
    CompletableFuture<LaneResult> interactiveA = lane.infer(call("interactive")); // 8th slot
    CompletableFuture<LaneResult> interactiveB = lane.infer(call("interactive")); // full: sheds batch 4
    assertTrue(innerBatch.get(4).isCancelled());
    for (int i = 0; i < 4; i++) assertFalse(batch.get(i).isDone(), "older batch " + i + " untouched");
    assertFalse(standardA.isDone() || standardB.isDone() || interactiveA.isDone() || interactiveB.isDone());
    assertEquals(8, lane.admittedInFlight());
    assertEquals(4, lane.admittedInFlight("batch"));
    assertEquals(2, lane.admittedInFlight("interactive"));
    assertEquals("closed", lane.breakerState(), "shedding is not a device fault");
    innerBatch.get(0).complete(ok());
    assertNull(outcome(batch.get(0)));
    assertEquals(7, lane.admittedInFlight());
  }

  static Throwable outcome(CompletableFuture<LaneResult> f) {
    try {
      f.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  @Test
  void cancelledDuringInjectedLatency_neverReachesTheLane() throws Exception {
    Scripted inner = new Scripted();
    java.util.concurrent.atomic.AtomicInteger reached = new java.util.concurrent.atomic.AtomicInteger();
    inner.next = () -> {
      reached.incrementAndGet();
      return CompletableFuture.completedFuture(ok());
    };
    DeviceFaults faults = new DeviceFaults();
    faults.setFault("d0", Duration.ofMillis(300), null, false);
    GuardedLane lane = GuardedLane.create(inner, faults, Map.of());
    CompletableFuture<LaneResult> f = lane.infer(CALL);
    assertTrue(f.cancel(false));
    assertEquals(0, lane.admittedInFlight(), "the gate slot is given back at once");
    CompletableFuture<LaneResult> after = lane.infer(CALL); // the same delay; completes after the cancelled one's
    assertNull(outcome(after));
    assertEquals(1, reached.get(), "only the second call reached the lane");
  }
}
