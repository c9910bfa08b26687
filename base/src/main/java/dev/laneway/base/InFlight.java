package dev.laneway.base;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Work accepted and not yet finished, and a way to wait until there is none: what drain waits on (an executor's
 * items, a remote lane's calls, a gateway's requests), without polling. {@link #enter} and {@link #exit} are a
 * lock-free counter; only the step to zero takes the lock, to wake a waiter.
 *
 * <pre>{@code
 * InFlight inFlight = new InFlight();
 * inFlight.enter();            // accepted
 * ...                          // on completion, any thread:
 * inFlight.exit();
 * boolean drained = inFlight.awaitZero(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class InFlight {
  private final AtomicLong count = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition zero = lock.newCondition();

  public void enter() {
    count.incrementAndGet();
  }

  public void enter(int n) {
    count.addAndGet(n);
  }

  public void exit() {
    exit(1);
  }

  /** {@code n} units finished; more exits than entries is a bug, reported at once. */
  public void exit(int n) {
    long left = count.addAndGet(-n);
    if (left < 0) throw new IllegalStateException("in flight: " + left + " after exit(" + n + ") (expected: >= 0)");
    if (left == 0) {
      lock.lock();
      try {
        zero.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  public long count() {
    return count.get();
  }

  /**
   * Waits until nothing is in flight or {@code timeout} passes.
   *
   * @return true when nothing is in flight
   */
  public boolean awaitZero(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (count.get() > 0) {
        if (nanos <= 0) return false;
        nanos = zero.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** As {@link #awaitZero(Duration)}, in milliseconds; an interrupt ends the wait (the flag is kept). */
  public boolean awaitZero(long timeoutMillis) {
    try {
      return awaitZero(Duration.ofNanos(TimeUnit.MILLISECONDS.toNanos(timeoutMillis)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return count.get() == 0;
    }
  }
}
