package dev.laneway.routing;

/**
 * What every tenant gets unless it sets its own ({@code tenant_defaults} in the policy), the anonymous tenant included.
 *
 * @param weight fair-share weight; null: 1
 * @param limits limits, each taken by a tenant that leaves it unset; null: none
 */
public record TenantDefaults(Double weight, Limits limits) {
  public static final TenantDefaults NONE = new TenantDefaults(1.0, Limits.NONE);

  public TenantDefaults {
    if (weight == null) weight = 1.0;
    if (!(weight > 0) || weight.isInfinite()) throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    if (limits == null) limits = Limits.NONE;
  }
}
