package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Objects;

/**
 * Texts to embed with one model variant.
 *
 * @param modelKey the variant, as {@link ExecutorModel#key()}
 * @param deadlineNanos {@link System#nanoTime()} after which the work is dropped with a deadline error;
 *     {@link Long#MAX_VALUE} for none
 * @param context the submitter's trace context: the {@code tokenize} span is its child, and each {@code batch} span
 *     that serves one of the texts links to its span (and its span links back)
 */
public record EmbedRequest(
    ModelKey modelKey, List<String> texts, long deadlineNanos, Priority priority, Context context) {
  public EmbedRequest {
    Objects.requireNonNull(modelKey, "modelKey");
    texts = List.copyOf(texts);
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(context, "context");
    if (texts.isEmpty()) throw new IllegalArgumentException("texts: empty (expected: at least one)");
  }

  /** With the calling thread's current context. */
  public EmbedRequest(ModelKey modelKey, List<String> texts, long deadlineNanos, Priority priority) {
    this(modelKey, texts, deadlineNanos, priority, Context.current());
  }
}
