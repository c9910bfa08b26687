package dev.laneway.gateway.pipeline;

import java.util.Map;

/**
 * What the tenant stage decided for one call, for the doors: the rate-limit headers every answer to a limited tenant
 * carries, success or error ({@code RateLimit-Policy} and {@code RateLimit} on every door; OpenAI's
 * {@code x-ratelimit-*} on {@code /v1/embeddings}). Empty for a tenant without limits.
 *
 * <p>Threads: set once by the pipeline on the event loop that made the call, before the call's future completes; read
 * by the door on that event loop when it writes the answer (the write is published by the volatile field).
 */
public final class TenantAdmission {
  private volatile Map<String, String> ietf = Map.of();
  private volatile Map<String, String> openAi = Map.of();

  /** Records the headers of the limiter's decision. */
  void headers(Map<String, String> ietf, Map<String, String> openAi) {
    this.ietf = Map.copyOf(ietf);
    this.openAi = Map.copyOf(openAi);
  }

  /** IETF {@code RateLimit-Policy} and {@code RateLimit} (names lower-case); empty when the tenant has no limits. */
  public Map<String, String> ietf() {
    return ietf;
  }

  /** OpenAI's {@code x-ratelimit-*} headers; empty when the tenant has no rate limits. */
  public Map<String, String> openAi() {
    return openAi;
  }
}
