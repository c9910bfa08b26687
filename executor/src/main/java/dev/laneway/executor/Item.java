package dev.laneway.executor;

import dev.laneway.runtime.Tokens;

/**
 * One text of a request, tokenised and queued. Immutable.
 *
 * @param index the text's position in its request
 * @param cost the expected compute (nanos) when it was queued: what it adds to and takes from its class's queued cost
 */
record Item(Pending pending, int index, Tokens tokenized, long cost) implements Batcher.Queued {
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
