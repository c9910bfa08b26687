package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A call's tenant and weight: defaults for callers that name none, and validation. */
class LaneCallTest {
  @Test
  void theFiveArgumentCall_isTheAnonymousTenantAtWeightOne_andAnEmptyTenantIsAnonymous() {
    LaneCall plain = new LaneCall(null, null, List.of("hi"), Long.MAX_VALUE, "standard");
    assertEquals(LaneCall.ANONYMOUS, plain.tenant());
    assertEquals(1.0, plain.weight());
    assertEquals(LaneCall.ANONYMOUS, new LaneCall(null, null, List.of("hi"), 1, "batch", "", 2).tenant());
    assertEquals("acme", new LaneCall(null, null, List.of("hi"), 1, "batch", "acme", 3).tenant());
  }

  @Test
  void aWeightThatIsNotPositiveAndFinite_isRefused() {
    for (double w : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class,
          () -> new LaneCall(null, null, List.of("hi"), 1, "standard", "acme", w), "weight " + w);
    }
    assertThrows(NullPointerException.class, () -> new LaneCall(null, null, List.of("hi"), 1, "standard", null, 1));
  }
}
