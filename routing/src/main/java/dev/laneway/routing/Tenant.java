package dev.laneway.routing;

import java.util.List;

/**
 * A caller, known by its API keys or its client certificates.
 *
 * @param apiKeys its keys as the policy holds them: {@code sha256:<hex>} of each key sent in {@code x-api-key} (or
 *     {@code Authorization: Bearer}), or the key in clear text (refused by the gateway unless
 *     {@code --allow-plaintext-keys}); two may be live while a tenant rotates ({@link ApiKeys})
 * @param residency a region its traffic never leaves, or null for none
 * @param models models it may call; empty: every model
 * @param classes latency classes it may send (a tenant on a batch plan: {@code [batch]}); empty: every class
 * @param weight its fair-share weight inside each latency class of every lane; null: {@code tenant_defaults.weight}
 *     (1 unless set)
 * @param limits its rate limits and budget; unset ones come from {@code tenant_defaults.limits} ({@link #effective})
 * @param clientCertificates the client certificates that are this tenant (a service calling over mutual TLS): each a
 *     URI SAN ({@code spiffe://…}), {@code dns:NAME} or a whole subject ({@code CN=billing,O=Acme}); see
 *     {@link CertificateIdentity}
 */
public record Tenant(String id, List<String> apiKeys, String residency, List<String> models, List<String> classes,
    Double weight, Limits limits, List<String> clientCertificates) {
  public static final Tenant ANONYMOUS = new Tenant("anonymous", List.of(), null, List.of(), List.of());

  public Tenant {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("id: missing (expected: a tenant id)");
    apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
    for (int i = 0; i < apiKeys.size(); i++) {
      try {
        ApiKeys.check(apiKeys.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("api_keys[" + i + "]: " + e.getMessage());
      }
    }
    models = models == null ? List.of() : List.copyOf(models);
    classes = classes == null ? List.of() : List.copyOf(classes);
    if (weight != null && (!(weight > 0) || weight.isInfinite())) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
    if (limits == null) limits = Limits.NONE;
    clientCertificates = clientCertificates == null ? List.of() : List.copyOf(clientCertificates);
    for (int i = 0; i < clientCertificates.size(); i++) {
      try {
        CertificateIdentity.check(clientCertificates.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("client_certificates[" + i + "]: " + e.getMessage());
      }
    }
  }

  /** Known by API keys only. */
  public Tenant(String id, List<String> apiKeys, String residency, List<String> models, List<String> classes,
      Double weight, Limits limits) {
    this(id, apiKeys, residency, models, classes, weight, limits, null);
  }

  /** Without a weight or limits of its own. */
  public Tenant(String id, List<String> apiKeys, String residency, List<String> models, List<String> classes) {
    this(id, apiKeys, residency, models, classes, null, null, null);
  }

  /** This tenant with what it leaves unset taken from the policy's {@code tenant_defaults}. */
  public Tenant effective(TenantDefaults defaults) {
    TenantDefaults d = defaults != null ? defaults : TenantDefaults.NONE;
    return new Tenant(id, apiKeys, residency, models, classes, weight != null ? weight : d.weight(),
        limits.orElse(d.limits()), clientCertificates);
  }

  /** The fair-share weight (1 when neither the tenant nor the defaults set one). */
  public double weightOrDefault() {
    return weight != null ? weight : 1.0;
  }

  public boolean mayCall(String model) {
    return models.isEmpty() || models.contains(model);
  }

  public boolean mayUse(String latencyClass) {
    return classes.isEmpty() || classes.contains(latencyClass);
  }
}
