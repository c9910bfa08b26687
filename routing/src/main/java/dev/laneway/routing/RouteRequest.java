package dev.laneway.routing;

import java.util.Objects;

/**
 * The attributes a route depends on.
 *
 * @param version the requested variant (OIP model version), or null for the model's default
 * @param clientRegion where the caller is
 */
public record RouteRequest(String model, String version, String latencyClass, String clientRegion, String tenant) {
  public RouteRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(latencyClass, "latencyClass");
    Objects.requireNonNull(clientRegion, "clientRegion");
    Objects.requireNonNull(tenant, "tenant");
  }
}
