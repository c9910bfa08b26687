package dev.laneway.executor;

import java.util.List;
import java.util.Objects;

/**
 * Texts to embed with one model variant.
 *
 * @param modelKey {@code model:variant}, as {@link dev.laneway.runtime.EncoderSpec#key()}
 * @param deadlineNanos {@link System#nanoTime()} after which the work is dropped with a deadline error;
 *     {@link Long#MAX_VALUE} for none
 */
public record EmbedRequest(String modelKey, List<String> texts, long deadlineNanos, Priority priority) {
  public EmbedRequest {
    Objects.requireNonNull(modelKey, "modelKey");
    texts = List.copyOf(texts);
    Objects.requireNonNull(priority, "priority");
    if (texts.isEmpty()) throw new IllegalArgumentException("texts: empty (expected: at least one)");
  }
}
