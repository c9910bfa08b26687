package dev.laneway.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * How the {@link Batcher} orders candidates and picks a batch among them: by padded length (a counting sort), the
 * window of {@code k} around the head, and the batch back in service order. Pure static helpers.
 */
final class BatchOrder {
  private BatchOrder() {}

  /**
   * {@code items} (service order) ordered by padded length, service order kept within a length: a counting sort over
   * the bucket's lengths, linear in the items and allocation-light. (A comparator sort here cost more than the rest of the
   * decision, and its JIT-compiled code kept being thrown away and recompiled under load.)
   */
  static <T extends Batcher.Queued> List<T> byPaddedLength(List<T> items, IntUnaryOperator paddedLength) {
    int n = items.size();
    if (n < 2) return items;
    int[] padded = new int[n];
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int i = 0; i < n; i++) {
      padded[i] = paddedLength.applyAsInt(items.get(i).tokens());
      min = Math.min(min, padded[i]);
      max = Math.max(max, padded[i]);
    }
    if (min == max) return items;
    int[] start = new int[max - min + 2];
    for (int p : padded) start[p - min + 1]++;
    for (int i = 1; i < start.length; i++) start[i] += start[i - 1];
    @SuppressWarnings("unchecked")
    T[] out = (T[]) new Batcher.Queued[n];
    for (int i = 0; i < n; i++) out[start[padded[i] - min]++] = items.get(i);
    return java.util.Arrays.asList(out);
  }

  /**
   * {@code k} candidates around the head at {@code pos} (candidates sorted by padded length, then service order): first
   * the head's own padded-length group (in service order, no extra padding), then shorter items (which pad up to the
   * head's length), then longer ones (which raise it), so a deep queue gives batches of one padded length.
   */
  static <T> List<T> window(List<T> candidates, int pos, int groupEnd, int k) {
    int to = Math.min(groupEnd, pos + k - 1);
    int from = Math.max(0, pos - (k - (to - pos + 1)));
    to = Math.min(candidates.size() - 1, from + k - 1);
    return candidates.subList(from, to + 1);
  }

  /** The batch members in queue (service) order. */
  static <T> List<T> arrival(List<T> batch, List<T> queue) {
    List<T> out = new ArrayList<>(batch.size());
    java.util.Set<T> members = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    members.addAll(batch);
    for (T item : queue) {
      if (members.contains(item)) {
        out.add(item);
        if (out.size() == batch.size()) break;
      }
    }
    return out;
  }
}
