/**
 * The per-input embedding cache ({@link dev.laneway.gateway.cache.EmbeddingCache}): identical texts computed once
 * through shared futures, bounded by bytes and a TTL, a null object when disabled.
 *
 * <pre>{@code
 * EmbeddingCache.Lookup l = cache.lookupOrClaim(EmbeddingCache.Key.of(model, variant, "mean+l2", text));
 * }</pre>
 */
package dev.laneway.gateway.cache;
