package dev.laneway.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Off-heap buffers in native byte order that ONNX Runtime reads and writes in place ({@code OnnxTensor.createTensor}
 * wraps a direct buffer without copying), kept for reuse instead of allocated per batch. Capacities are rounded up to
 * a power of two, so a few size classes serve every batch shape.
 *
 * <p>Thread-safe. Ownership: {@link #acquire} hands the buffer to the caller, who must {@link #release} it exactly once
 * after ONNX Runtime no longer reads it (after the tensor that wraps it is closed). {@link #inUse()} counts buffers
 * handed out and not yet returned; tests assert it is zero after every batch.
 */
public final class DirectBufferPool {
  private static final int CLASSES = 32;

  @SuppressWarnings("unchecked")
  private final ArrayDeque<ByteBuffer>[] free = new ArrayDeque[CLASSES];

  private final AtomicInteger inUse = new AtomicInteger();
  private final AtomicInteger allocated = new AtomicInteger();

  public DirectBufferPool() {
    for (int i = 0; i < CLASSES; i++) {
      free[i] = new ArrayDeque<>();
    }
  }

  /** A cleared buffer of at least {@code bytes} bytes (position 0, limit {@code bytes}), native byte order. */
  public ByteBuffer acquire(int bytes) {
    if (bytes < 0) throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
    int c = sizeClass(bytes);
    ByteBuffer b;
    synchronized (free[c]) {
      b = free[c].pollFirst();
    }
    if (b == null) {
      b = ByteBuffer.allocateDirect(1 << c).order(ByteOrder.nativeOrder());
      allocated.incrementAndGet();
    }
    inUse.incrementAndGet();
    b.clear().limit(bytes);
    return b;
  }

  /** Returns a buffer from {@link #acquire}; the caller must not touch it afterwards. */
  public void release(ByteBuffer b) {
    int c = Integer.numberOfTrailingZeros(b.capacity());
    if (Integer.bitCount(b.capacity()) != 1 || !b.isDirect()) {
      throw new IllegalArgumentException("not a buffer of this pool: capacity " + b.capacity());
    }
    inUse.decrementAndGet();
    synchronized (free[c]) {
      free[c].addFirst(b);
    }
  }

  /** Buffers handed out and not yet released. */
  public int inUse() {
    return inUse.get();
  }

  /** Buffers allocated since the pool was made (reuse keeps this small). */
  public int allocated() {
    return allocated.get();
  }

  private static int sizeClass(int bytes) {
    int c = bytes <= 64 ? 6 : 32 - Integer.numberOfLeadingZeros(bytes - 1);
    if (c >= CLASSES - 1) throw new IllegalArgumentException("bytes: " + bytes + " (expected: < 1 GiB)");
    return c;
  }
}
