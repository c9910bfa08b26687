package dev.laneway.executor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * The tokenised items of a lane, a queue per latency class in arrival order, as the {@link Batcher} reads them; every
 * item added or removed moves its class's queued cost in the {@link CostLedger} with it, so the estimates stay exact.
 *
 * <p>Not thread-safe by itself: called under the {@link LaneQueue}'s lock, which guards it with the {@link Backlog}.
 */
final class ClassQueues {
  private final EnumMap<Priority, ArrayList<Item>> queues = new EnumMap<>(Priority.class);
  private final CostLedger costs;

  ClassQueues(CostLedger costs) {
    this.costs = costs;
    for (Priority p : Priority.values()) queues.put(p, new ArrayList<>());
  }

  /** Class {@code p}'s items, oldest first (the batcher's view; not to be changed by the reader). */
  List<Item> of(Priority p) {
    return queues.get(p);
  }

  int size(Priority p) {
    return queues.get(p).size();
  }

  /** Items queued in class {@code p} and every more urgent class. */
  int sizeUpTo(Priority p) {
    int n = 0;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) > 0) break;
      n += queues.get(q).size();
    }
    return n;
  }

  boolean isEmpty() {
    for (ArrayList<Item> q : queues.values()) {
      if (!q.isEmpty()) return false;
    }
    return true;
  }

  /** Appends a request's items, worth {@code cost} in all, to its class's queue. */
  void add(Priority p, Item[] items, long cost) {
    ArrayList<Item> q = queues.get(p);
    for (Item item : items) q.add(item);
    costs.queued(p, cost);
  }

  /** Removes the items of class {@code p} that {@code which} selects, and their queued cost; returns how many. */
  int remove(Priority p, Predicate<Item> which) {
    long[] cost = new long[1];
    ArrayList<Item> q = queues.get(p);
    int before = q.size();
    q.removeIf(i -> {
      if (!which.test(i)) return false;
      cost[0] += i.cost();
      return true;
    });
    costs.queued(p, -cost[0]);
    return before - q.size();
  }

  /** Removes exactly these items (by identity) of class {@code p}. */
  void remove(Priority p, List<Item> items) {
    IdentityHashMap<Item, Boolean> set = new IdentityHashMap<>();
    for (Item i : items) set.put(i, Boolean.TRUE);
    remove(p, set::containsKey);
  }

  /**
   * Removes every item of the newest request (by arrival) queued in class {@code p}, returning how many; the request
   * goes to {@code victims}. Requests tokenised by two threads may have queued out of order, so the newest is looked
   * for, not taken from the tail.
   */
  int removeNewest(Priority p, List<Pending> victims) {
    ArrayList<Item> q = queues.get(p);
    if (q.isEmpty()) return 0;
    Pending newest = q.getFirst().pending();
    for (Item item : q) {
      if (item.pending().sequence > newest.sequence) newest = item.pending();
    }
    Pending victim = newest;
    victims.add(victim);
    return remove(p, item -> item.pending() == victim);
  }

  /** Removes every item (close). */
  List<Item> clear() {
    List<Item> all = new ArrayList<>();
    for (ArrayList<Item> q : queues.values()) {
      all.addAll(q);
      q.clear();
    }
    costs.clearQueued();
    return all;
  }
}
