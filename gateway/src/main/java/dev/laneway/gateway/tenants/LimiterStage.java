package dev.laneway.gateway.tenants;

import dev.laneway.gateway.pipeline.TenantStage;
import dev.laneway.routing.Tenant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The pipeline's view of a {@link TenantLimiter} ({@link TenantStage.Limiter}): a {@link Verdict} becomes the stage's
 * outcome, with the reason names the error mapping uses ({@code request_rate}, {@code token_rate},
 * {@code budget_exhausted}, {@code too_large}, {@code limiter_unavailable}) and both header sets. A local limiter is
 * asked synchronously ({@link LocalLimiter#admitNow}); a shared one through its future, which is already complete
 * unless a lease had to be refilled.
 */
public final class LimiterStage implements TenantStage.Limiter {
  private final TenantLimiter limiter;

  public LimiterStage(TenantLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public CompletableFuture<TenantStage.Outcome> admit(Tenant tenant, String model, long tokens) {
    if (limiter instanceof LocalLimiter local) {
      return CompletableFuture.completedFuture(outcome(local.admitNow(tenant, model, tokens)));
    }
    return limiter.admit(tenant, model, tokens).map(this::outcome).toCompletionStage().toCompletableFuture();
  }

  private TenantStage.Outcome outcome(Verdict v) {
    Verdict.Refusal r = v.refusal();
    return new TenantStage.Outcome(r == null ? null : reason(r.reason()), r == null ? null : r.message(),
        r == null || r.retryAfter() == null ? 0 : r.retryAfter().toNanos(),
        v.shadowed().stream().map(s -> reason(s.reason())).toList(), RateLimitHeaders.ietf(v),
        RateLimitHeaders.openai(v), () -> limiter.refund(v));
  }

  /** The wire name of a refusal's reason: the error's {@code reason} and the metrics' label. */
  static String reason(Verdict.Reason r) {
    return r == Verdict.Reason.BUDGET ? "budget_exhausted" : r.name().toLowerCase(Locale.ROOT);
  }
}
