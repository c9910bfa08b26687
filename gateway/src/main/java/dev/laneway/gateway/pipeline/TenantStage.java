package dev.laneway.gateway.pipeline;

import dev.laneway.gateway.telemetry.TenantMetrics;
import dev.laneway.routing.Limits;
import dev.laneway.routing.Tenant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The pipeline's tenant stage, after the call is made and before it is routed: admission on the request's exact cost.
 * A tenant without limits passes at once (nothing counted, nothing charged). Otherwise the texts' token counts are
 * computed when a limit counts tokens ({@link TokenCounter}: the model's own tokenizer, so the count is the one the lane
 * will compute), and the {@link Limiter} charges one request and those tokens against the tenant's limits, or refuses
 * with {@link GatewayException.RateLimited}. Either way the call's {@link TenantAdmission} gets the rate-limit headers
 * the door writes on the answer. A refusal by a limit in shadow mode is counted and reported, never enforced.
 *
 * <p>Charging happens before the request runs, so a budget never overshoots by more than the requests in flight at
 * its edge (none when the limiter is local). What an admitted request charged is given back when the gateway itself
 * fails it (a server error, or a lane's overload refusal): the tenant did not get what it paid for.
 *
 * <p>Threads: {@link #admit} runs on the event loop that made the call and never blocks; its future completes there
 * (or later, on the limiter's thread, when a shared limiter has to refill its lease).
 */
public final class TenantStage {
  /** Exact token counts of texts, with the model's tokenizer. */
  public interface TokenCounter {
    /** Tokens of the texts (special tokens included), or -1 when this process has no tokenizer for the model. */
    long count(String model, List<String> texts);
  }

  /** The limiter, as the stage sees it (the gateway adapts {@code gateway.tenants.TenantLimiter} to it). */
  public interface Limiter {
    CompletableFuture<Outcome> admit(Tenant tenant, String model, long tokens);
  }

  /**
   * A limiter's decision.
   *
   * @param reason null when admitted; else {@code request_rate}, {@code token_rate}, {@code budget_exhausted},
   *     {@code too_large} or {@code limiter_unavailable}
   * @param shadowed the reasons of the shadow-mode limits that would have refused
   * @param refund gives back what the admitted request charged (idempotent)
   */
  public record Outcome(String reason, String message, long retryAfterNanos, List<String> shadowed,
      Map<String, String> ietf, Map<String, String> openAi, Runnable refund) {
    public boolean admitted() {
      return reason == null;
    }
  }

  private final TokenCounter tokens;
  private final Limiter limiter;
  private final TenantMetrics metrics;

  public TenantStage(TokenCounter tokens, Limiter limiter, TenantMetrics metrics) {
    this.tokens = tokens;
    this.limiter = limiter;
    this.metrics = metrics;
  }

  /**
   * Admits the call or refuses it with {@link GatewayException.RateLimited}; completes with the refund of what was
   * charged (a no-op for a tenant without limits).
   */
  public CompletableFuture<Runnable> admit(InferenceCall call) {
    long t0 = System.nanoTime();
    Tenant tenant = call.tenant();
    Limits limits = tenant.limits();
    if (limits.isEmpty()) {
      metrics.admission(false, System.nanoTime() - t0);
      return CompletableFuture.completedFuture(() -> { });
    }
    long n = limits.countsTokens() ? count(call) : 0;
    return limiter.admit(tenant, call.model(), n).thenApply(o -> {
      call.admission().headers(o.ietf(), o.openAi());
      for (String r : o.shadowed()) metrics.refused(tenant.id(), r, true);
      metrics.admission(true, System.nanoTime() - t0);
      if (!o.admitted()) {
        metrics.refused(tenant.id(), o.reason(), false);
        throw new GatewayException.RateLimited(o.reason(), o.message(), o.retryAfterNanos());
      }
      metrics.charged(tenant.id(), n);
      return o.refund();
    });
  }

  /**
   * The texts' exact token count; for a model this process has no tokenizer for (it computes only on remote nodes), an
   * estimate of one token per four characters plus the two special tokens per text, which the README documents.
   */
  private long count(InferenceCall call) {
    long n = tokens.count(call.model(), call.texts());
    if (n >= 0) return n;
    long estimate = 0;
    for (String t : call.texts()) estimate += (t.length() + 3) / 4 + 2;
    return estimate;
  }
}
