package dev.laneway.lanes;

import java.util.concurrent.atomic.AtomicLong;

/** An exponentially weighted moving average of observed latency, lock-free; updated by lane threads, read by routing. */
final class Ewma {
  private static final double ALPHA = 0.2;
  private final AtomicLong bits;

  Ewma() {
    this(0);
  }

  /** Starts from {@code priorMs} (a remote lane's declared round-trip time) instead of the first sample. */
  Ewma(double priorMs) {
    bits = new AtomicLong(Double.doubleToLongBits(priorMs));
  }

  void update(double sampleMs) {
    bits.updateAndGet(b -> {
      double cur = Double.longBitsToDouble(b);
      return Double.doubleToLongBits(cur == 0 ? sampleMs : cur + ALPHA * (sampleMs - cur));
    });
  }

  double get() {
    return Double.longBitsToDouble(bits.get());
  }
}
