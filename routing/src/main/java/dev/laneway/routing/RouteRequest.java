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
 */
public record RouteRequest(
    String model, String version, String latencyClass, String clientRegion, String tenant, Map<String, String> headers) {
  public RouteRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(latencyClass, "latencyClass");
    Objects.requireNonNull(clientRegion, "clientRegion");
    Objects.requireNonNull(tenant, "tenant");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  public RouteRequest(String model, String version, String latencyClass, String clientRegion, String tenant) {
    this(model, version, latencyClass, clientRegion, tenant, Map.of());
  }
}
