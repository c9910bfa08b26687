package dev.laneway.observability;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} that keeps its handlers through JVM shutdown. The JDK's own resets every handler in a shutdown
 * hook of its own, which races with the drain hook and loses the lines that say what SIGTERM did. Selected with
 * {@code -Djava.util.logging.manager=dev.laneway.observability.ShutdownLogManager} (set by {@code Main} before any
 * logger exists).
 */
public final class ShutdownLogManager extends LogManager {
  private volatile boolean allowReset = true;

  @Override
  public void reset() {
    if (allowReset) super.reset();
  }

  /** Called by {@link OneLineLogFormat#install} once the handlers are in place: from then on, only an explicit reset. */
  void keepHandlers() {
    allowReset = false;
  }
}
