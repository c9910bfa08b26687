package dev.laneway.executor;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokens;
import java.util.List;
import java.util.Locale;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntFunction;

/**
 * A batch that fails to allocate on its device is split in two and each half retried, down to single items, instead
 * of failing its requests (the NPU article's F4, "job fails to allocate on device": "use a smaller batch"). A failure
 * is an allocation failure when ONNX Runtime says so (its messages name {@code Failed to allocate}, {@code bad_alloc}
 * or {@code out of memory}) or when the device's injected row limit ({@link #limitRows}, the {@code oom} fault) is
 * exceeded. Each split is counted ({@code laneway.oom.splits}, {@link ExecutorStats#oomSplitCount}).
 *
 * <p>Called on the instance's thread only; the limit is read from any thread.
 */
final class DeviceMemory {
  private volatile ToIntFunction<String> maxRows = d -> Integer.MAX_VALUE;

  /** The most rows one execution may allocate on a device; {@link Integer#MAX_VALUE}: no limit. */
  void limitRows(ToIntFunction<String> maxRowsByDevice) {
    this.maxRows = maxRowsByDevice;
  }

  /**
   * Runs {@code tokens} as {@code rows x length}; on an allocation failure, each half as its own execution (rows from
   * {@code rowsFor}, the lane's padding of a batch size), and again, down to one item.
   *
   * @param onSplit told once per split
   */
  float[][] embed(EncoderSession session, String device, List<Tokens> tokens, int rows, int length,
      IntUnaryOperator rowsFor, Runnable onSplit) {
    try {
      int limit = maxRows.applyAsInt(device);
      if (rows > limit) {
        throw new IllegalStateException("Failed to allocate memory for a batch of " + rows + " rows on " + device
            + " (injected fault: at most " + limit + ")");
      }
      return session.embed(tokens, rows, length);
    } catch (RuntimeException e) {
      if (tokens.size() < 2 || !allocationFailure(e)) throw e;
      onSplit.run();
      int half = tokens.size() / 2;
      List<Tokens> first = tokens.subList(0, half);
      List<Tokens> second = tokens.subList(half, tokens.size());
      float[][] a = embed(session, device, first, rowsFor.applyAsInt(first.size()), length, rowsFor, onSplit);
      float[][] b = embed(session, device, second, rowsFor.applyAsInt(second.size()), length, rowsFor, onSplit);
      float[][] out = new float[tokens.size()][];
      System.arraycopy(a, 0, out, 0, a.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }

  /** Whether ONNX Runtime (or the injected fault) says the device ran out of memory. */
  static boolean allocationFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("failed to allocate") || m.contains("bad_alloc") || m.contains("out of memory")) return true;
      if (t.getCause() == t) break;
    }
    return false;
  }
}
