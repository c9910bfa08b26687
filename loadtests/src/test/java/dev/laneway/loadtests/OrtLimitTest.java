package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrtLimitTest {
  @Test
  void batchesStopAtTheRowBound_andAtThePaddedTokenBound() {
    List<String> texts = List.of("a", "b", "c", "d", "e", "f");
    Map<String, Integer> len = Map.of("a", 10, "b", 10, "c", 10, "d", 100, "e", 200, "f", 300);
    // rows only: 4 then 2
    assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("e", "f")), OrtLimit.batches(texts, len, 4, 0));
    // 512 padded tokens: 3 x 10 fits, adding d makes 4 x 100 = 400 (fits), e makes 5 x 200 = 1000 (does not);
    // then e alone (2 x 300 = 600 > 512 with f), then f
    assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("e"), List.of("f")), OrtLimit.batches(texts, len, 32, 512));
    // a text longer than the bound still runs, alone
    assertEquals(List.of(List.of("f")), OrtLimit.batches(List.of("f"), len, 32, 100));
  }
}
