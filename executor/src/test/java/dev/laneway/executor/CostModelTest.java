package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CostModelTest {
  @Test
  void fitsTheFixedAndPerTokenCost_fromBatchesOfDifferentSizes() {
    CostModel m = new CostModel();
    // 2 ms per call + 10 µs per padded token
    for (int x : new int[] {16, 256, 64, 128, 32, 512}) m.record(4, x, 2_000_000 + 10_000L * x);
    assertEquals(2_000_000, m.fixedNanos(), 1_000);
    assertEquals(10_000, m.nanosPerToken(), 1);
    assertEquals(2_000_000 + 10_000 * 100, m.nanosFor(100), 1_000);
  }

  @Test
  void batchesOfOneSize_giveThePlainRatio() {
    CostModel m = new CostModel();
    for (int i = 0; i < 5; i++) m.record(8, 256, 5_120_000);
    assertEquals(0, m.fixedNanos());
    assertEquals(20_000, m.nanosPerToken(), 1e-6);
    assertEquals(2_560_000, m.itemNanos(128)); // no fixed cost to share
  }

  @Test
  void recentBatchesWeighMore_soAnIdleLaneForgetsABusyPeriod() {
    CostModel m = new CostModel();
    for (int i = 0; i < 50; i++) m.record(16, 512, 100_000_000); // a slow period: 195 µs per token
    for (int i = 0; i < 100; i++) {
      m.record(1, 16, 2_000_000 + 10_000L * 16);
      m.record(16, 512, 2_000_000 + 10_000L * 512);
    }
    assertEquals(10_000, m.nanosPerToken(), 50); // within 0.5%: the slow period has faded to nothing
    assertEquals(2_000_000, m.fixedNanos(), 10_000);
  }

  @Test
  void nothingRecorded_meansNoEstimate_andNonsenseIsIgnored() {
    CostModel m = new CostModel();
    assertEquals(0, m.nanosFor(100));
    m.record(0, 100, 1_000);
    m.record(1, 0, 1_000);
    m.record(1, 100, 0);
    assertEquals(0, m.nanosFor(100));
  }
}
