package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    public String id() { return "l"; }
    public LaneSpec spec() { return SPEC; }
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
    try {
      lane.infer(CALL).join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
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
    for (int i = 0; i < 5; i++) assertInstanceOf(LaneException.Unavailable.class, outcome(lane));
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
    lane.infer(CALL);
    lane.infer(CALL);
    assertEquals(2, lane.bulkheadInFlight());
    assertInstanceOf(LaneException.QueueFull.class, outcome(lane), "max_in_flight 2");
    hold.complete(ok());
    assertEquals(0, lane.bulkheadInFlight());
  }
}
