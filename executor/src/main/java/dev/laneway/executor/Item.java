package dev.laneway.executor;

import dev.laneway.runtime.Tokens;

/**
 * One text of a request, tokenised and queued.
 *
 * <p>Everything but {@link #tag} is fixed at tokenisation. The tag is the item's fair-queueing finish tag in its class
 * ({@link FairClock}), given when the item is queued; it is written and read only under the {@link LaneQueue}'s lock.
 */
final class Item implements Batcher.Queued {
  private final Pending pending;
  private final int index;
  private final Tokens tokenized;
  private final long cost;
  private final int charge;
  /** Fair-queueing finish tag in its class; guarded by the queue's lock. */
  double tag;

  /**
   * @param index the text's position in its request
   * @param cost the expected compute (nanos) when it was queued: what it adds to and takes from its class's queued cost
   * @param charge the tokens its tenant is charged for it: its padded length (its own length rounded up as the lane
   *     pads), what it costs the device in a batch of its own length
   */
  Item(Pending pending, int index, Tokens tokenized, long cost, int charge) {
    this.pending = pending;
    this.index = index;
    this.tokenized = tokenized;
    this.cost = cost;
    this.charge = charge;
  }

  Pending pending() {
    return pending;
  }

  int index() {
    return index;
  }

  Tokens tokenized() {
    return tokenized;
  }

  long cost() {
    return cost;
  }

  int charge() {
    return charge;
  }

  String tenant() {
    return pending.request.tenant();
  }

  double weight() {
    return pending.request.weight();
  }

  @Override
  public String modelKey() {
    return pending.keyName;
  }

  @Override
  public int tokens() {
    return tokenized.length();
  }

  @Override
  public long enqueuedNanos() {
    return pending.submittedNanos;
  }

  @Override
  public long deadlineNanos() {
    return pending.request.deadlineNanos();
  }
}
