package dev.laneway.lanes;

import dev.laneway.executor.ClassShares;
import dev.laneway.executor.Priority;

/**
 * A lane's in-flight bound ({@code max_in_flight} requests) shared between latency classes (Envoy's max-requests
 * circuit breaker, made priority-aware as Triton's per-priority queue policies are): a request of class {@code c} is
 * admitted while the requests in flight are below {@link ClassShares#limit}, so batch work can never take the share
 * kept for interactive. When a request finds its limit reached and a less urgent request is in flight, the newest
 * such request of the least urgent class is shed in its favour: its permit moves to the newcomer and its
 * {@link Permit#onShed} runs (the lane fails that attempt with a typed refusal, which frees its queued work).
 *
 * <p>Thread-safe: one lock, held for a few list operations; shed callbacks run after it is released.
 */
final class ClassGate {
  private final int capacity;
  private final ClassShares shares;
  private final Permit[] newest = new Permit[Priority.values().length];
  private final int[] byClass = new int[Priority.values().length];
  private int held;

  ClassGate(int capacity, ClassShares shares) {
    if (capacity < 1) throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    this.capacity = capacity;
    this.shares = shares;
  }

  /** One admitted request; {@link #release} it exactly when the attempt ends (later calls do nothing). */
  final class Permit {
    final Priority priority;
    private Permit prev;
    private Permit next;
    private boolean done;
    private boolean shed;
    private Runnable onShed;

    private Permit(Priority priority) {
      this.priority = priority;
    }

    /** What to do if this permit is shed (runs at once when it already was). Call once. */
    void onShed(Runnable action) {
      boolean now;
      synchronized (ClassGate.this) {
        now = shed;
        if (!now) onShed = action;
      }
      if (now) action.run();
    }

    void release() {
      synchronized (ClassGate.this) {
        if (done) return;
        done = true;
        unlink(this);
      }
    }
  }

  /** A permit for a request of class {@code p}, or null when its share is held and nothing less urgent can be shed. */
  Permit tryAcquire(Priority p) {
    Permit victim = null;
    Runnable shedAction = null;
    Permit permit = new Permit(p);
    synchronized (this) {
      if (held >= shares.limit(p, capacity)) {
        for (int c = newest.length - 1; c > p.ordinal() && victim == null; c--) victim = newest[c];
        if (victim == null) return null;
        victim.done = true;
        victim.shed = true;
        shedAction = victim.onShed;
        unlink(victim);
      }
      link(permit);
    }
    if (shedAction != null) shedAction.run();
    return permit;
  }

  /** Requests in flight. */
  synchronized int held() {
    return held;
  }

  /** Requests of class {@code p} in flight. */
  synchronized int held(Priority p) {
    return byClass[p.ordinal()];
  }

  int capacity() {
    return capacity;
  }

  private void link(Permit permit) {
    int c = permit.priority.ordinal();
    permit.prev = newest[c];
    if (newest[c] != null) newest[c].next = permit;
    newest[c] = permit;
    byClass[c]++;
    held++;
  }

  private void unlink(Permit permit) {
    int c = permit.priority.ordinal();
    if (permit.next != null) permit.next.prev = permit.prev;
    else newest[c] = permit.prev;
    if (permit.prev != null) permit.prev.next = permit.next;
    permit.prev = null;
    permit.next = null;
    byClass[c]--;
    held--;
  }
}
