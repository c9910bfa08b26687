package dev.laneway.gateway.slo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The shedding decision, one test per branch, on plain numbers and an injected clock. */
class ShedderTest {
  static final SloSpec.Shedding CFG = new SloSpec.Shedding(true, "interactive", Duration.ofMinutes(5), 6.0, 14.4, 1.0,
      Duration.ofMinutes(1), 20);
  static final long S = 1_000_000_000L;

  @Test
  void next_shedsBatchAboveItsFactor_andStandardAboveItsOwn() {
    Shedder.State s = Shedder.next(Shedder.State.NONE, 6.5, 100, CFG, 0);
    assertEquals(1, s.level());
    assertTrue(s.sheds("batch"));
    assertFalse(s.sheds("standard"));
    assertFalse(s.sheds("interactive"));
    s = Shedder.next(s, 15, 100, CFG, S);
    assertEquals(2, s.level());
    assertTrue(s.sheds("standard"));
    assertFalse(s.sheds("interactive"), "what shedding protects is never shed");
    assertEquals("batch+standard", s.describe());
  }

  @Test
  void next_staysAtItsLevel_whileTheBurnIsBetweenRecoveryAndTheThreshold() {
    Shedder.State s = Shedder.next(Shedder.State.NONE, 20, 100, CFG, 0);
    assertEquals(2, Shedder.next(s, 3, 100, CFG, 120 * S).level(), "hysteresis: 3x is below 6x but not calm");
  }

  @Test
  void next_stepsDownOneLevelPerHold_onceCalm() {
    Shedder.State s = Shedder.next(Shedder.State.NONE, 20, 100, CFG, 0);
    s = Shedder.next(s, 0.5, 100, CFG, 10 * S);
    assertEquals(2, s.level(), "calm starts the hold");
    assertEquals(10 * S, s.calmSinceNanos());
    s = Shedder.next(s, 0.5, 100, CFG, 69 * S);
    assertEquals(2, s.level(), "59 s of a 60 s hold");
    s = Shedder.next(s, 0.5, 100, CFG, 70 * S);
    assertEquals(1, s.level(), "one step down after the hold");
    s = Shedder.next(s, 0.5, 100, CFG, 129 * S);
    assertEquals(1, s.level());
    s = Shedder.next(s, 0.5, 100, CFG, 130 * S);
    assertEquals(Shedder.State.NONE, s);
  }

  @Test
  void next_restartsTheHold_whenTheBurnComesBack() {
    Shedder.State s = Shedder.next(Shedder.State.NONE, 7, 100, CFG, 0);
    s = Shedder.next(s, 0.5, 100, CFG, 10 * S);
    s = Shedder.next(s, 2, 100, CFG, 50 * S);
    assertEquals(Long.MIN_VALUE, s.calmSinceNanos(), "a reading at or above recover_below restarts the wait");
    s = Shedder.next(s, 0.5, 100, CFG, 60 * S);
    assertEquals(1, Shedder.next(s, 0.5, 100, CFG, 100 * S).level(), "40 s calm of a 60 s hold");
    assertEquals(0, Shedder.next(s, 0.5, 100, CFG, 120 * S).level());
  }

  @Test
  void next_underMinimumTraffic_readsAsNotBurning() {
    assertEquals(Shedder.State.NONE, Shedder.next(Shedder.State.NONE, 100, 19, CFG, 0));
    assertEquals(1, Shedder.next(Shedder.State.NONE, 100, 20, CFG, 0).level() > 0 ? 1 : 0);
  }

  @Test
  void next_withRecoverBelowZero_waitsForNoBadEventAtAll() {
    SloSpec.Shedding strict = new SloSpec.Shedding(true, "interactive", Duration.ofMinutes(5), 6.0, 14.4, 0.0,
        Duration.ZERO, 0);
    Shedder.State s = Shedder.next(Shedder.State.NONE, 7, 100, strict, 0);
    assertEquals(1, Shedder.next(s, 0.1, 100, strict, S).level());
    Shedder.State calm = Shedder.next(s, 0, 100, strict, S);
    assertEquals(0, Shedder.next(calm, 0, 100, strict, S).level());
  }
}
