package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.base.ModelKey;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The drift rule and the shadow sampler: plain inputs, count-based windows, an injected clock for the cap. */
class DriftWindowTest {
  static final double BOUND = 0.98;

  @Test
  void check_demotesOnlyOnAFullWindowBelowTheBound() {
    DriftWindow w = new DriftWindow(10, BOUND, 0.05);
    for (int i = 0; i < 9; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.5), "window not full yet");
    assertEquals(DriftWindow.Change.DEMOTED, w.check(0.5));
    assertNotNull(w.demotedReason());
    assertTrue(w.demotedReason().contains("mean cosine"), w.demotedReason());
  }

  @Test
  void check_keepsALaneWhoseMeanStaysAtTheBound() {
    DriftWindow w = new DriftWindow(10, BOUND, 0.05);
    for (int i = 0; i < 100; i++) assertEquals(DriftWindow.Change.NONE, w.check(i % 10 == 0 ? 0.9 : 0.99));
    assertNull(w.demotedReason());
    assertEquals(0.981, w.mean(), 1e-9);
  }

  @Test
  void check_demotesWithinOneWindowOfDriftAfterGoodChecks() {
    DriftWindow w = new DriftWindow(10, BOUND, 0.05);
    for (int i = 0; i < 30; i++) w.check(0.99);
    int bad = 0;
    while (w.demotedReason() == null) {
      w.check(0.89);
      bad++;
    }
    assertTrue(bad <= 10, "demoted after " + bad + " drifted checks");
  }

  @Test
  void check_readmitsAfterAFullWindowOfRecoveredChecksOnly() {
    DriftWindow w = new DriftWindow(10, BOUND, 0.05);
    for (int i = 0; i < 10; i++) w.check(0.5);
    for (int i = 0; i < 3; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.5), "still drifting");
    for (int i = 0; i < 6; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.99), "not a full window since");
    assertEquals(DriftWindow.Change.NONE, w.check(0.99), "10 checks since demotion, 3 of them bad: mean below bound");
    assertEquals(DriftWindow.Change.NONE, w.check(0.99));
    assertEquals(DriftWindow.Change.NONE, w.check(0.99));
    assertEquals(DriftWindow.Change.READMITTED, w.check(0.99), "a full window of recovered checks");
    assertNull(w.demotedReason());
  }

  @Test
  void sanity_demotesAboveTheRateAndBlocksReadmissionWhileAnswersStayBad() {
    DriftWindow w = new DriftWindow(20, BOUND, 0.05);
    for (int i = 0; i < 19; i++) w.sanity(i != 3);
    assertEquals(DriftWindow.Change.NONE, w.sanity(true), "1 of 20 is 5%: not above");
    assertEquals(DriftWindow.Change.DEMOTED, w.sanity(false), "2 of the last 20");
    assertTrue(w.demotedReason().contains("output check"), w.demotedReason());
    w.sanity(false); // a trickle answer still bad
    for (int i = 0; i < 25; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.99));
    assertNotNull(w.demotedReason(), "an output check failed since demotion");
  }

  @Test
  void boundZero_neverDemotesOnCosine() {
    DriftWindow w = new DriftWindow(5, 0, 0.05);
    for (int i = 0; i < 50; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.1));
  }

  @Test
  void pin_holdsUntilAuto() {
    DriftWindow w = new DriftWindow(5, BOUND, 0.05);
    w.pin(true);
    assertEquals("demoted by an operator", w.demotedReason());
    for (int i = 0; i < 20; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.99), "pinned: no re-admission");
    w.pin(false);
    for (int i = 0; i < 20; i++) assertEquals(DriftWindow.Change.NONE, w.check(0.1), "pinned admitted");
    assertNull(w.demotedReason());
    w.unpin();
    assertEquals("none", w.snapshot("l", ModelKey.of("m", "int8")).pin());
    assertEquals(0, w.snapshot("l", ModelKey.of("m", "int8")).checksInWindow(), "auto clears the window");
  }

  @Test
  void sampler_capsPerMinuteOnTheInjectedClock() {
    AtomicLong now = new AtomicLong();
    ShadowSampler s = new ShadowSampler(1, 3, now::get, new Random(1));
    int taken = 0;
    for (int i = 0; i < 10; i++) if (s.take()) taken++;
    assertEquals(3, taken);
    now.addAndGet(59_000_000_000L);
    assertTrue(!s.take(), "the same minute");
    now.addAndGet(1_000_000_000L);
    assertTrue(s.take(), "a new minute");
  }

  @Test
  void sampler_drawsAtTheRate() {
    ShadowSampler s = new ShadowSampler(0.1, Integer.MAX_VALUE, () -> 0, new Random(42));
    int taken = 0;
    for (int i = 0; i < 10_000; i++) if (s.take()) taken++;
    assertTrue(taken > 900 && taken < 1100, "taken " + taken);
    assertTrue(!new ShadowSampler(0, 10, () -> 0, new Random()).take(), "rate 0: none");
  }
}
