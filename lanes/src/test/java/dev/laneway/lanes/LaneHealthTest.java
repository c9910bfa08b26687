package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Lane#health()}: a guarded lane reports its guard and can be ejected; any other lane only its readiness. */
class LaneHealthTest {
  @Test
  void guardedLane_isItsOwnHealth_andEjectOpensTheBreakerOnce() {
    GuardedLane lane = GuardedLane.create(new GuardedLaneTest.Scripted(), new DeviceFaults(), Map.of());
    LaneHealth h = ((Lane) lane).health();
    assertSame(lane, h);
    assertNull(h.unavailableReason());
    assertEquals("closed", h.breakerState());
    assertEquals(0, h.breakerStateCode());
    assertTrue(h.eject("probe failed"), "a closed breaker opens");
    assertEquals("open", h.breakerState());
    assertEquals(2, h.breakerStateCode());
    assertEquals("breaker open", h.unavailableReason());
    assertFalse(h.eject("probe failed again"), "already open: nothing to do");
    assertTrue(h.breakerHistory().getLast().startsWith("closed -> open @"), h.breakerHistory().toString());
    assertInstanceOf(LaneException.Unavailable.class, GuardedLaneTest.outcome(lane), "routing's skip is real");
  }

  @Test
  void guardedLane_ejectFromHalfOpen() {
    GuardedLane lane = GuardedLane.create(new GuardedLaneTest.Scripted(), new DeviceFaults(), Map.of());
    lane.breaker().transitionToOpenState();
    lane.breaker().transitionToHalfOpenState();
    assertTrue(lane.health().eject("probe failed"));
    assertEquals("open", lane.health().breakerState());
  }

  @Test
  void unguardedLane_reportsReadinessOnly() {
    boolean[] ready = {true};
    GuardedLaneTest.Scripted inner = new GuardedLaneTest.Scripted();
    Lane plain = new Lane() { // a lane without a guard: every method but readiness as the scripted lane's
      public String id() { return inner.id(); }
      public dev.laneway.topology.LaneSpec spec() { return inner.spec(); }
      public boolean serves(String model, String variant) { return true; }
      public java.util.List<DeviceStatus> devices() { return java.util.List.of(); }
      public boolean ready() { return ready[0]; }
      public java.util.concurrent.CompletableFuture<LaneResult> infer(LaneCall call) { return inner.infer(call); }
      public int inFlight() { return 0; }
      public void drainAndClose(long timeoutMillis) { }
      public void close() { }
    };
    LaneHealth h = plain.health();
    assertNull(h.unavailableReason());
    ready[0] = false;
    assertEquals("not ready", h.unavailableReason());
    assertEquals("none", h.breakerState());
    assertEquals(0, h.breakerStateCode());
    assertTrue(h.breakerHistory().isEmpty());
    assertNull(h.notAdmitted("m", "int8"));
    assertTrue(h.admission().isEmpty());
    assertEquals(0, h.admittedInFlight());
    assertEquals(0, h.admittedInFlight("interactive"));
    assertEquals(0, h.ewmaMs());
    assertEquals(-1, h.recentLatencyNanos("interactive", 0.95), "no history: hedging does not arm");
    assertFalse(h.eject("probe failed"), "nothing to open");
  }
}
