package dev.laneway.routing;

import java.util.Map;
import java.util.Objects;

/**
 * The attributes a route depends on.
 *
 * @param version the requested variant (OIP model version), or null for the model's default
 * @param clientRegion where the caller is
 * @param tenant the authenticated tenant's id ({@code anonymous} without a key)
 * @param headers request headers, lower-case names; rules may match them
 * @param texts how many texts the request embeds (>= 1); lanes estimate its completion time from it
 * @param seed the randomness of power of two choices: the same seed (and the same other inputs) gives the same decision
 */
public record RouteRequest(
    String model, String version, String latencyClass, String clientRegion, String tenant, Map<String, String> headers,
    int texts, long seed) {
  public RouteRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(latencyClass, "latencyClass");
    Objects.requireNonNull(clientRegion, "clientRegion");
    Objects.requireNonNull(tenant, "tenant");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    if (texts < 1) throw new IllegalArgumentException("texts: " + texts + " (expected: >= 1)");
  }

  /** One text, seed 0. */
  public RouteRequest(String model, String version, String latencyClass, String clientRegion, String tenant,
      Map<String, String> headers) {
    this(model, version, latencyClass, clientRegion, tenant, headers, 1, 0);
  }

  /** No headers, one text, seed 0. */
  public RouteRequest(String model, String version, String latencyClass, String clientRegion, String tenant) {
    this(model, version, latencyClass, clientRegion, tenant, Map.of());
  }
}
