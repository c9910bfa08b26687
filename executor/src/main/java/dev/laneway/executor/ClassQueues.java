package dev.laneway.executor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * The tokenised items of a lane, a queue per latency class in service order, as the {@link Batcher} reads them: each
 * class is shared fairly between its tenants by a {@link FairClock}, which tags every item as it is queued, and the
 * queue is kept sorted by tag (ties in arrival order), so its head is the item that fair queueing serves next. With one
 * tenant, tag order is arrival order. Every item added or removed moves its class's queued cost in the
 * {@link CostLedger} with it, so the estimates stay exact.
 *
 * <p>Not thread-safe by itself: called under the {@link LaneQueue}'s lock, which guards it with the {@link Backlog}.
 */
final class ClassQueues {
  private final EnumMap<Priority, ArrayList<Item>> queues = new EnumMap<>(Priority.class);
  private final EnumMap<Priority, FairClock> clocks = new EnumMap<>(Priority.class);
  /** Per class: the oldest item's enqueue time, valid unless {@link #oldestStale}. */
  private final long[] oldest = new long[Priority.values().length];
  private final boolean[] oldestStale = new boolean[Priority.values().length];
  private final CostLedger costs;
  /** Per class, the tokens its queued items are charged (with the ledger's queued cost: compute per token). */
  private final long[] queuedCharge = new long[Priority.values().length];

  ClassQueues(CostLedger costs) {
    this.costs = costs;
    for (Priority p : Priority.values()) {
      queues.put(p, new ArrayList<>());
      clocks.put(p, new FairClock());
      oldest[p.ordinal()] = Long.MAX_VALUE;
    }
  }

  /** Class {@code p}'s items in service order (the batcher's view; not to be changed by the reader). */
  List<Item> of(Priority p) {
    return queues.get(p);
  }

  /** The enqueue time of class {@code p}'s oldest item ({@link Long#MAX_VALUE} when empty): its window's start. */
  long oldestEnqueuedNanos(Priority p) {
    int c = p.ordinal();
    if (oldestStale[c]) {
      long min = Long.MAX_VALUE;
      for (Item item : queues.get(p)) min = Math.min(min, item.enqueuedNanos());
      oldest[c] = min;
      oldestStale[c] = false;
    }
    return oldest[c];
  }

  /** Class {@code p}'s fair-queueing clock (tests). */
  FairClock clock(Priority p) {
    return clocks.get(p);
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

  /** Queues a request's items, worth {@code cost} in all, in its class: each is tagged and placed by its tag. */
  void add(Priority p, Item[] items, long cost) {
    ArrayList<Item> q = queues.get(p);
    FairClock clock = clocks.get(p);
    for (Item item : items) {
      item.tag = clock.tag(item.tenant(), item.charge(), item.weight());
      queuedCharge[p.ordinal()] += item.charge();
      q.add(insertionPoint(q, item.tag), item);
      if (!oldestStale[p.ordinal()]) oldest[p.ordinal()] = Math.min(oldest[p.ordinal()], item.enqueuedNanos());
    }
    costs.queued(p, cost);
  }

  /** After the last item whose tag is {@code <= tag}: tag order, ties in arrival order. Usually the end. */
  private static int insertionPoint(ArrayList<Item> q, double tag) {
    int lo = 0;
    int hi = q.size();
    if (hi == 0 || q.get(hi - 1).tag <= tag) return hi;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (q.get(mid).tag <= tag) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Removes the items of class {@code p} that {@code which} selects, and their queued cost; returns how many. */
  int remove(Priority p, Predicate<Item> which) {
    long[] cost = new long[1];
    ArrayList<Item> q = queues.get(p);
    FairClock clock = clocks.get(p);
    long oldestNow = oldestEnqueuedNanos(p);
    int before = q.size();
    q.removeIf(i -> {
      if (!which.test(i)) return false;
      cost[0] += i.cost();
      queuedCharge[p.ordinal()] -= i.charge();
      clock.left(i.tenant());
      if (i.enqueuedNanos() == oldestNow) oldestStale[p.ordinal()] = true;
      return true;
    });
    costs.queued(p, -cost[0]);
    if (q.isEmpty()) {
      clock.reset();
      queuedCharge[p.ordinal()] = 0;
      oldest[p.ordinal()] = Long.MAX_VALUE;
      oldestStale[p.ordinal()] = false;
    }
    return before - q.size();
  }

  /** Removes exactly these items (by identity) of class {@code p}. */
  void remove(Priority p, List<Item> items) {
    IdentityHashMap<Item, Boolean> set = new IdentityHashMap<>();
    for (Item i : items) set.put(i, Boolean.TRUE);
    remove(p, set::containsKey);
  }

  /** Removes a batch about to run: class {@code p}'s clock advances to the batch's smallest tag, its head's. */
  void dispatch(Priority p, List<Item> batch) {
    double head = Double.MAX_VALUE;
    for (Item i : batch) head = Math.min(head, i.tag);
    clocks.get(p).advance(head);
    remove(p, batch);
  }

  /**
   * Removes every item of the newest request (by arrival) queued in class {@code p}, returning how many; the request
   * goes to {@code victims}. Requests tokenised by two threads may have queued out of order, and the queue is in tag
   * order, so the newest is looked for, not taken from the tail.
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

  /**
   * The compute, in nanoseconds, of class {@code p} that fair queueing serves before a new request of {@code tenant}
   * (at {@code weight}) starts, if every tenant with work queued stays backlogged: the virtual time between the clock
   * and the tenant's position, times the weights sharing it, in tokens, at the class's queued compute per token. A
   * tenant under its share (its position at the clock) waits for little of the class; one over it, for its own
   * backlog stretched by the others' shares, including work they have not sent yet. 0 on an empty class.
   */
  long costAhead(Priority p, String tenant, double weight) {
    long charge = queuedCharge[p.ordinal()];
    if (charge <= 0) return 0;
    FairClock clock = clocks.get(p);
    double tokens = (clock.position(tenant) - clock.virtualTime()) * clock.activeWeight(tenant, weight);
    return (long) (tokens * costs.queuedNanos(p) / charge);
  }

  /** Removes every item (close). */
  List<Item> clear() {
    List<Item> all = new ArrayList<>();
    for (Priority p : Priority.values()) {
      all.addAll(queues.get(p));
      queues.get(p).clear();
      clocks.get(p).reset();
      queuedCharge[p.ordinal()] = 0;
      oldest[p.ordinal()] = Long.MAX_VALUE;
      oldestStale[p.ordinal()] = false;
    }
    costs.clearQueued();
    return all;
  }
}
