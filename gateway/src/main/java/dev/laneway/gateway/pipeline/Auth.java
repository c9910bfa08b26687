package dev.laneway.gateway.pipeline;

import dev.laneway.routing.RoutingPolicy;
import dev.laneway.routing.Tenant;

/**
 * Tenant authentication: the {@code x-api-key} header names a tenant of the routing policy. Called by
 * {@link Dispatcher} for every door, so REST, gRPC and OpenAI calls are authenticated the same way. Throws
 * {@link dev.laneway.routing.RoutingException.Unauthorized} (401) for an unknown key, or a missing one when the policy
 * requires keys. Stateless; any thread.
 */
public final class Auth {
  static final String API_KEY_HEADER = "x-api-key";

  private Auth() {}

  static Tenant tenant(RoutingPolicy policy, InferenceCall call) {
    return policy.authenticate(call.headers().get(API_KEY_HEADER));
  }
}
