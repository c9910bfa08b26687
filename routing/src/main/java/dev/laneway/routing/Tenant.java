package dev.laneway.routing;

import java.util.List;

/**
 * A caller, known by its API keys.
 *
 * @param apiKeys keys sent in the {@code x-api-key} header (plain text in the policy file: keep the file private)
 * @param residency a region its traffic never leaves, or null for none
 * @param models models it may call; empty: every model
 */
public record Tenant(String id, List<String> apiKeys, String residency, List<String> models) {
  public static final Tenant ANONYMOUS = new Tenant("anonymous", List.of(), null, List.of());

  public Tenant {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("id: missing (expected: a tenant id)");
    apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
    models = models == null ? List.of() : List.copyOf(models);
  }

  public boolean mayCall(String model) {
    return models.isEmpty() || models.contains(model);
  }
}
