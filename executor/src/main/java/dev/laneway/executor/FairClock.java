package dev.laneway.executor;

import java.util.HashMap;

/**
 * Weighted fair queueing between the tenants of one latency class, charged in tokens (self-clocked fair queueing, as
 * in virtual token counting): the class has a virtual clock {@code V}, each tenant the finish tag of its last queued
 * item, and an item of tenant {@code t} that costs {@code c} tokens is tagged
 * {@code max(V, lastFinish[t]) + c / weight[t]}. The class is served in tag order (ties in arrival order), and
 * {@code V} advances to the smallest tag of each batch dispatched. So, while tenants are backlogged, each is served
 * tokens in proportion to its weight, whatever its request rate or text lengths; a tenant that was idle starts again at
 * {@code V}, with no credit for its idle time and no debt; one tenant alone is served in arrival order, exactly as
 * without fair queueing (work-conserving: no tenant is ever held back while the lane has nothing else to do).
 *
 * <p>Charge. {@code c} is the item's padded length ({@link Item#charge()}): what it costs the device in a batch of
 * its own length, which is what a deep queue's batches are. A tenant's weight is its item's request weight, so a
 * tenant whose requests carry different weights is charged by each request's own.
 *
 * <p>Bounded state: a tenant is remembered while it has items queued, and after that only while its last finish tag
 * is ahead of {@code V} (forgetting it earlier would hand it back service it was already given); {@link #reset} when
 * the class's queue empties forgets every tenant and restarts the clock at 0, so tags never grow without bound.
 *
 * <p>Not thread-safe: used by {@link ClassQueues} under the {@link LaneQueue}'s lock.
 */
final class FairClock {
  private static final class Tenant {
    double lastFinish;
    int queued;
    double weight = 1;
  }

  private final HashMap<String, Tenant> tenants = new HashMap<>();
  private double virtual;
  /** Tenants remembered with nothing queued (their last finish tag still ahead of the clock). */
  private int idle;

  /** Tags an item of {@code tenant} costing {@code charge} tokens at {@code weight}, and counts it as queued. */
  double tag(String tenant, int charge, double weight) {
    Tenant t = tenants.get(tenant);
    if (t == null) {
      t = new Tenant();
      tenants.put(tenant, t);
    } else if (t.queued == 0) {
      idle--;
    }
    t.queued++;
    t.weight = weight;
    t.lastFinish = Math.max(virtual, t.lastFinish) + charge / weight;
    return t.lastFinish;
  }

  /** An item of {@code tenant} left the queue, whichever way (dispatched, expired, shed, cancelled). */
  void left(String tenant) {
    Tenant t = tenants.get(tenant);
    if (t == null || --t.queued > 0) return;
    if (t.lastFinish <= virtual) {
      tenants.remove(tenant);
    } else {
      idle++;
    }
  }

  /** A batch whose smallest tag is {@code tag} is dispatched: the clock advances to it (never back). */
  void advance(double tag) {
    if (tag <= virtual) return;
    virtual = tag;
    if (idle == 0) return;
    tenants.values().removeIf(t -> {
      if (t.queued > 0 || t.lastFinish > virtual) return false;
      idle--;
      return true;
    });
  }

  /** The class's queue is empty: forgets every tenant and restarts the clock. */
  void reset() {
    tenants.clear();
    virtual = 0;
    idle = 0;
  }

  /**
   * Where a new item of {@code tenant} would start: {@code max(V, lastFinish[t])}. Every tenant with work queued is
   * served {@code (position - V) x its weight} tokens before the clock gets there.
   */
  double position(String tenant) {
    Tenant t = tenants.get(tenant);
    return t == null ? virtual : Math.max(virtual, t.lastFinish);
  }

  /** The weights of the tenants with work queued, and {@code weight} for {@code tenant} when it has none queued. */
  double activeWeight(String tenant, double weight) {
    double sum = 0;
    boolean self = false;
    for (var e : tenants.entrySet()) {
      if (e.getValue().queued > 0) {
        sum += e.getValue().weight;
        self |= e.getKey().equals(tenant);
      }
    }
    return self ? sum : sum + weight;
  }

  /** The virtual clock {@code V}. */
  double virtualTime() {
    return virtual;
  }

  /** Tenants remembered: those with items queued, and idle ones whose last finish tag is ahead of the clock. */
  int tenants() {
    return tenants.size();
  }
}
