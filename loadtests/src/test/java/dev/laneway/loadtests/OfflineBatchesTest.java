package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The offline limit's batching and padding, shared by the e2e bench's ORT limit and the executor benchmark. */
class OfflineBatchesTest {
  static final Map<String, Integer> LEN = Map.of("a", 10, "b", 10, "c", 10, "d", 100, "e", 200, "f", 300);

  static List<List<String>> items(List<OfflineBatches.Batch<String>> batches) {
    return batches.stream().map(OfflineBatches.Batch::items).toList();
  }

  @Test
  void batchesStopAtTheRowBound_andAtThePaddedTokenBound() {
    List<String> texts = List.of("a", "b", "c", "d", "e", "f");
    // rows only: 4 then 2
    assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("e", "f")),
        items(OfflineBatches.of(texts, LEN::get, 4, 0, 1)));
    // 512 padded tokens: 3 x 10 fits, adding d makes 4 x 100 = 400 (fits), e makes 5 x 200 = 1000 (does not);
    // then e alone (2 x 300 = 600 > 512 with f), then f
    assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("e"), List.of("f")),
        items(OfflineBatches.of(texts, LEN::get, 32, 512, 1)));
    // a text longer than the bound still runs, alone
    assertEquals(List.of(List.of("f")), items(OfflineBatches.of(List.of("f"), LEN::get, 32, 100, 1)));
  }

  @Test
  void eachBatchIsPaddedToItsLongest_roundedUpToTheMultiple() {
    List<String> texts = List.of("a", "d", "b");
    assertEquals(List.of(100), OfflineBatches.of(texts, LEN::get, 3, 0, 1).stream()
        .map(OfflineBatches.Batch::length).toList(), "unsorted: the longest, not the last");
    assertEquals(List.of(104), OfflineBatches.of(texts, LEN::get, 3, 0, 8).stream()
        .map(OfflineBatches.Batch::length).toList());
    // the token bound counts padded lengths: 2 x 104 = 208 > 200, so d runs without a neighbour
    assertEquals(List.of(List.of("a"), List.of("d"), List.of("b")),
        items(OfflineBatches.of(texts, LEN::get, 3, 200, 8)));
    assertEquals(16, OfflineBatches.paddedLength(10, 8));
    assertEquals(10, OfflineBatches.paddedLength(10, 1));
  }
}
