package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.base.ModelKey;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The wait estimates the ledger gives each class while batches run on instances or detached beside them. */
class CostLedgerTest {
  static final ModelKey KEY = ModelKey.of("m", "int8");

  static CostLedger ledger() {
    CostLedger l = new CostLedger(Set.of(KEY), 2);
    l.record(KEY, 4, 64, 8_000_000); // 8 ms for 64 padded tokens
    l.record(KEY, 8, 256, 20_000_000);
    return l;
  }

  @Test
  void aBatchOnAnInstance_delaysEveryClass() {
    CostLedger l = ledger();
    long expected = l.startRunning(KEY, 256, false);
    assertTrue(expected > 0, "the model has learnt a cost: " + expected);
    for (Priority p : Priority.values()) {
      assertEquals(expected / 2 / 2, l.expectedWaitNanos(p, 0), p + ": half of what runs, over two instances");
    }
    l.stopRunning(expected, false);
    for (Priority p : Priority.values()) assertEquals(0, l.expectedWaitNanos(p, 0), p + ": idle again");
  }

  @Test
  void aDetachedBatch_delaysOnlyTheBatchClass() {
    CostLedger l = ledger();
    long expected = l.startRunning(KEY, 256, true);
    assertEquals(0, l.expectedWaitNanos(Priority.INTERACTIVE, 0), "its instance is free for interactive work");
    assertEquals(0, l.expectedWaitNanos(Priority.STANDARD, 0), "and for standard work");
    assertEquals(expected / 2 / 2, l.expectedWaitNanos(Priority.BATCH, 0),
        "the batch class waits for it: no second detached batch starts on that instance until it ends");
    l.stopRunning(expected, true);
    assertEquals(0, l.expectedWaitNanos(Priority.BATCH, 0));
  }
}
