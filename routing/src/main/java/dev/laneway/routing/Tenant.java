package dev.laneway.routing;

import java.util.List;

/**
 * A caller, known by its API keys.
 *
 * @param apiKeys keys sent in the {@code x-api-key} header (plain text in the policy file: keep the file private)
 * @param residency a region its traffic never leaves, or null for none
 * @param models models it may call; empty: every model
 * @param classes latency classes it may send (a tenant on a batch plan: {@code [batch]}); empty: every class
 */
public record Tenant(String id, List<String> apiKeys, String residency, List<String> models, List<String> classes) {
  public static final Tenant ANONYMOUS = new Tenant("anonymous", List.of(), null, List.of(), List.of());

  public Tenant {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("id: missing (expected: a tenant id)");
    apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
    models = models == null ? List.of() : List.copyOf(models);
    classes = classes == null ? List.of() : List.copyOf(classes);
  }

  public boolean mayCall(String model) {
    return models.isEmpty() || models.contains(model);
  }

  public boolean mayUse(String latencyClass) {
    return classes.isEmpty() || classes.contains(latencyClass);
  }
}
