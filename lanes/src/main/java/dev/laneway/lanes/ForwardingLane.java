package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import dev.laneway.topology.LaneSpec;
import java.util.List;
import java.util.Set;

/**
 * A lane that forwards every call to another (Guava's forwarding-collection idiom): a decorator such as
 * {@link GuardedLane} overrides what it adds to and inherits the rest, so a method added to {@link Lane} is forwarded
 * in one place.
 */
abstract class ForwardingLane implements Lane {
  protected final Lane inner;

  ForwardingLane(Lane inner) {
    this.inner = inner;
  }

  @Override
  public String id() {
    return inner.id();
  }

  @Override
  public LaneSpec spec() {
    return inner.spec();
  }

  @Override
  public boolean serves(String model, String variant) {
    return inner.serves(model, variant);
  }

  @Override
  public List<DeviceStatus> devices() {
    return inner.devices();
  }

  @Override
  public boolean ready() {
    return inner.ready();
  }

  @Override
  public int inFlight() {
    return inner.inFlight();
  }

  @Override
  public Set<ModelKey> models() {
    return inner.models();
  }

  @Override
  public long computedTexts() {
    return inner.computedTexts();
  }

  @Override
  public long countTokens(String model, List<String> texts) {
    return inner.countTokens(model, texts);
  }

  @Override
  public long expectedCompletionNanos(String latencyClass, int texts) {
    return inner.expectedCompletionNanos(latencyClass, texts);
  }

  @Override
  public long expectedWaitNanos(String latencyClass) {
    return inner.expectedWaitNanos(latencyClass);
  }

  @Override
  public void drainAndClose(long timeoutMillis) {
    inner.drainAndClose(timeoutMillis);
  }

  @Override
  public void close() {
    inner.close();
  }
}
