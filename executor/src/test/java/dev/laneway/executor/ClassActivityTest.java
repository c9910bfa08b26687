package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The rules between classes that look at recent activity, on an injected clock (nanoseconds passed in). */
class ClassActivityTest {
  static final long MS = 1_000_000L;

  @Test
  void moreUrgentWork_countsAsActiveForOneSecondAfterItRan() {
    ClassActivity a = new ClassActivity();
    assertFalse(a.moreUrgentActive(Priority.BATCH, 0), "nothing ran yet");
    a.dispatched(Priority.STANDARD, false, 100 * MS, false);
    assertTrue(a.moreUrgentActive(Priority.BATCH, 1_099 * MS));
    assertFalse(a.moreUrgentActive(Priority.BATCH, 1_100 * MS), "a second later: quiet");
    assertFalse(a.moreUrgentActive(Priority.STANDARD, 200 * MS), "standard is not more urgent than itself");
    assertEquals(100 * MS, a.lastDispatchNanos(Priority.STANDARD));
    assertEquals(Long.MIN_VALUE, a.lastDispatchNanos(Priority.INTERACTIVE));
  }

  @Test
  void reservedInstances_stayFreeOfBatchWork_whileUrgentWorkIsActive() {
    ClassActivity a = new ClassActivity();
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 2, 1, 0), "no urgent work: take it");
    a.dispatched(Priority.STANDARD, false, 0, false);
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 2, 1, 10 * MS), "no batch work running: one instance may");
    a.dispatched(Priority.BATCH, false, 10 * MS, false); // that instance now runs batch work
    assertEquals(990 * MS, a.holdForUrgent(Priority.BATCH, 2, 1, 10 * MS),
        "the second instance stays free until the standard traffic has been quiet for a second");
    assertEquals(0, a.holdForUrgent(Priority.STANDARD, 2, 1, 10 * MS), "urgent work itself is never held");
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 2, 0, 10 * MS), "no reservation configured");
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 2, 1, 1_000 * MS), "quiet for a second: take it");
    a.instanceReturned(); // the batch ran and its instance is back
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 2, 1, 20 * MS), "no batch work running again");
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 1, 1, 20 * MS), "a one-instance lane: its one instance may");
  }

  /**
   * A detached batch (computed on the instance's low-priority thread, {@code batch_nice}) counts as batch work running
   * until it ends, not until its instance comes back, which it does at once.
   */
  @Test
  void aDetachedBatch_countsAsRunningUntilItEnds() {
    ClassActivity a = new ClassActivity();
    a.dispatched(Priority.STANDARD, false, 0, false);
    a.dispatched(Priority.BATCH, true, 10 * MS, true);
    a.instanceReturned(); // back for more urgent work while the batch computes
    assertEquals(1, a.batchClassRunning());
    assertEquals(990 * MS, a.holdForUrgent(Priority.BATCH, 2, 1, 10 * MS), "the other instance stays free");
    assertFalse(a.longShareFree(2), "its long texts still hold the long share");
    a.detachedEnded(true);
    assertEquals(0, a.batchClassRunning());
    assertEquals(0, a.holdForUrgent(Priority.BATCH, 2, 1, 20 * MS), "ended: batch work may start again");
    assertTrue(a.longShareFree(2));
  }
}
