package dev.laneway.gateway.pipeline;

import java.util.Map;

/**
 * What the tenant stage decided for one call, for the doors: the tenant it was served as ({@code x-laneway-tenant},
 * on every answer), and the rate-limit headers every answer to a limited tenant carries, success or error ({@code RateLimit-Policy} and {@code RateLimit} on every door; OpenAI's
 * {@code x-ratelimit-*} on {@code /v1/embeddings}). Empty for a tenant without limits.
 *
 * <p>Threads: set once by the pipeline on the event loop that made the call, before the call's future completes; read
 * by the door on that event loop when it writes the answer (the write is published by the volatile field).
 */
public final class TenantAdmission {
  /** The response header naming the tenant a request was served as (every answer of a call, limited or not). */
  public static final String TENANT_HEADER = "x-laneway-tenant";

  private final String tenant;
  private volatile Map<String, String> ietf = Map.of();
  private volatile Map<String, String> openAi = Map.of();

  /** @param tenant the id of the call's tenant */
  public TenantAdmission(String tenant) {
    this.tenant = tenant;
  }

  /** The id of the call's tenant ({@link #TENANT_HEADER}). */
  public String tenant() {
    return tenant;
  }

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
