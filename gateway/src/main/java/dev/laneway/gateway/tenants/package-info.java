/**
 * Tenants' rate limits and budgets, enforced before a request enters a lane. {@link
 * dev.laneway.gateway.tenants.TenantLimiter} (one per process, kept across policy reloads) admits or refuses a request
 * on its exact cost and returns a {@link dev.laneway.gateway.tenants.Verdict}; {@link
 * dev.laneway.gateway.tenants.RateLimitHeaders} turns a verdict into the IETF {@code RateLimit} / {@code
 * RateLimit-Policy} headers or OpenAI's {@code x-ratelimit-*}. {@link dev.laneway.gateway.tenants.LocalLimiter} keeps
 * the limits of one process; {@code RedisLimiter} shares them between the gateways of a region through Redis, with
 * local leases so that a request does not wait on Redis.
 *
 * <pre>{@code
 * TenantLimiter limiter = TenantLimiter.local("hk");    // or TenantLimiter.redis(vertx, uri, prefix, "hk", OPEN)
 * limiter.admit(tenant, model, exactTokens).onSuccess(v -> {
 *   RateLimitHeaders.ietf(v).forEach(response::putHeader);
 *   if (!v.admitted()) refuse(v.refusal());             // 429 + Retry-After, or 503 (LIMITER_UNAVAILABLE)
 *   else run(request).onFailure(e -> { if (overloadOr5xx(e)) limiter.refund(v); });
 * });
 * }</pre>
 */
package dev.laneway.gateway.tenants;
