package dev.laneway.gateway.pipeline;

import static dev.laneway.base.AttributeNames.LANEWAY_CACHE;
import static dev.laneway.base.AttributeNames.LANEWAY_DEGRADED;
import static dev.laneway.base.AttributeNames.LANEWAY_LANE;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The one way a door gets its answer back: on the door's event loop, once. The answer's typed parameters go on the
 * server span ({@code laneway.lane}, {@code laneway.degraded}, {@code laneway.cache}) or the failure's message as its
 * error status; then the door writes its response ({@code onAnswer} or {@code onError}); then the span ends and the
 * request is released from the {@link Intake}, whatever the writing did.
 *
 * <pre>{@code
 * DoorReplies.complete(pipeline.infer(call), vertxContext, span, intake,
 *     answer -> respond(answer), error -> fail(error));
 * }</pre>
 */
public final class DoorReplies {
  private DoorReplies() {}

  /**
   * @param span the request's server span (a gRPC stream's per-message span), ended here
   * @param intake released here, exactly once; null when the request was not counted in
   */
  public static void complete(CompletableFuture<Answer> answer, Context eventLoop, Span span, Intake intake,
      Consumer<Answer> onAnswer, Consumer<Throwable> onError) {
    Future.fromCompletionStage(answer, eventLoop).onComplete(ar -> {
      try {
        if (ar.succeeded()) {
          ResponseParameters p = ar.result().parameters();
          span.setAttribute(LANEWAY_LANE, p.lane());
          span.setAttribute(LANEWAY_DEGRADED, p.degraded());
          span.setAttribute(LANEWAY_CACHE, p.cache());
          onAnswer.accept(ar.result());
        } else {
          span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause().getMessage()));
          onError.accept(ar.cause());
        }
      } finally {
        span.end();
        if (intake != null) intake.release();
      }
    });
  }

  /** Where a context keeps its completion executor (context data, shared by its duplicates). */
  private static final Object COMPLETION = new Object();

  /**
   * The executor lanes complete a door's answers on: one object per event loop context (an executor's instance
   * groups a batch's answers by it and hands each group over in one task, so the loop is woken once per batch, not
   * once per request), running each task on that context. Its tasks run on the root context (a request's duplicated
   * context is not kept); the door's own reply still comes back on the request's context through {@link #complete}.
   * On the event loop thread; null for null (not on a Vert.x thread: the answer completes in place).
   */
  public static Executor executor(Context context) {
    if (context == null || !context.isEventLoopContext()) return null;
    ContextInternal root = ((ContextInternal) context).unwrap();
    Executor e = root.get(COMPLETION);
    if (e == null) {
      e = task -> root.runOnContext(v -> task.run());
      root.put(COMPLETION, e);
    }
    return e;
  }

  /**
   * Writes the tenant headers on an answer, success or error, with {@code put}: {@code x-laneway-tenant}; for a limited
   * tenant the IETF rate-limit headers, and OpenAI's {@code x-ratelimit-*} too when {@code openAi}. Nothing for a
   * request that never became a call (null).
   */
  public static void tenantHeaders(TenantAdmission admission, boolean openAi,
      java.util.function.BiConsumer<String, String> put) {
    if (admission == null) return;
    put.accept(TenantAdmission.TENANT_HEADER, admission.tenant());
    admission.ietf().forEach(put);
    if (openAi) admission.openAi().forEach(put);
  }
}
