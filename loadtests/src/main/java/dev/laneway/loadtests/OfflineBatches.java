package dev.laneway.loadtests;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The offline limit's batching and padding, one implementation for both in-process limits ({@link OrtLimit}, the e2e
 * bench's, and the executor benchmark's): consecutive items in their given order (length-sorted, for the best case a
 * length-bucketing batcher reaches), each batch as long as a lane's batcher would let it grow — at most {@code rows}
 * items and, when {@code maxTokens > 0}, at most {@code maxTokens} padded tokens (rows x padded length) — and padded
 * to its longest item rounded up to the lane's {@code sequence_length_multiple}.
 *
 * <pre>{@code
 * List<OfflineBatches.Batch<Tokens>> b = OfflineBatches.of(sorted, Tokens::length, 32, 256, 1);
 * }</pre>
 *
 * <p>Stateless; safe from any thread.
 */
public final class OfflineBatches {
  private OfflineBatches() {}

  /** One offline call: its items, in order, and the length every row is padded to. */
  public record Batch<T>(List<T> items, int length) {
    public Batch {
      items = List.copyOf(items);
    }

    /** The same items padded to {@code fixed} tokens instead (longer ones must have been truncated to it). */
    public Batch<T> paddedTo(int fixed) {
      return new Batch<>(items, fixed);
    }
  }

  /** A batch's padded length: its longest item, rounded up to a multiple of {@code multiple}. */
  public static int paddedLength(int longest, int multiple) {
    if (multiple < 1) throw new IllegalArgumentException("multiple: " + multiple + " (expected: >= 1)");
    return (longest + multiple - 1) / multiple * multiple;
  }

  /**
   * Consecutive batches of {@code items}, each of at most {@code rows} items and, when {@code maxTokens > 0}, at most
   * {@code maxTokens} padded tokens; an item longer than the bound still runs, alone.
   *
   * @param tokens an item's length in tokens
   * @param multiple the padded length's multiple (1: pad to the longest item)
   */
  public static <T> List<Batch<T>> of(List<T> items, ToIntFunction<T> tokens, int rows, int maxTokens, int multiple) {
    if (rows < 1) throw new IllegalArgumentException("rows: " + rows + " (expected: >= 1)");
    List<Batch<T>> out = new ArrayList<>();
    int i = 0;
    while (i < items.size()) {
      int longest = paddedLength(tokens.applyAsInt(items.get(i)), multiple);
      int j = i + 1;
      while (j < items.size() && j - i < rows) {
        int l = Math.max(longest, paddedLength(tokens.applyAsInt(items.get(j)), multiple));
        if (maxTokens > 0 && (long) (j + 1 - i) * l > maxTokens) break;
        longest = l;
        j++;
      }
      out.add(new Batch<>(items.subList(i, j), longest));
      i = j;
    }
    return out;
  }
}
