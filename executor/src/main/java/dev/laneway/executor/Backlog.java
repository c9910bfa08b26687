package dev.laneway.executor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Requests accepted and waiting for the tokenizer: most urgent class first, then in arrival order; and, per class, how
 * many texts they hold (read without the lock by the estimates).
 *
 * <p>Not thread-safe by itself: every method but {@link #texts} is called under the {@link LaneQueue}'s lock, which
 * guards it together with the tokenised items, so that shedding and slot accounting see both at once.
 */
final class Backlog {
  private final PriorityQueue<Pending> waiting = new PriorityQueue<>(64,
      Comparator.comparing(Pending::priority).thenComparingLong(p -> p.sequence));
  private final AtomicIntegerArray texts = new AtomicIntegerArray(Priority.values().length);

  void add(Pending p) {
    waiting.add(p);
    texts.addAndGet(p.priority().ordinal(), p.texts());
  }

  /** The next request to tokenise, most urgent first, its texts no longer counted; null when none waits. */
  Pending poll() {
    Pending p = waiting.poll();
    if (p != null) texts.addAndGet(p.priority().ordinal(), -p.texts());
    return p;
  }

  /** Removes and returns the newest waiting request of class {@code p} (for shedding), or null. */
  Pending removeNewest(Priority p) {
    Pending newest = null;
    for (Pending w : waiting) {
      if (w.priority() == p && (newest == null || w.sequence > newest.sequence)) newest = w;
    }
    if (newest != null) {
      waiting.remove(newest);
      texts.addAndGet(p.ordinal(), -newest.texts());
    }
    return newest;
  }

  int size() {
    return waiting.size();
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  /** Texts waiting in class {@code p}; any thread. */
  int texts(Priority p) {
    return texts.get(p.ordinal());
  }

  /** Removes every waiting request (close). */
  List<Pending> clear() {
    List<Pending> all = new ArrayList<>(waiting);
    waiting.clear();
    for (Priority p : Priority.values()) texts.set(p.ordinal(), 0);
    return all;
  }
}
