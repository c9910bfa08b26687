package dev.laneway.gateway.cache;

import dev.laneway.gateway.pipeline.ErrorMapping;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The per-input embedding cache: one entry per text, keyed by (model, variant, normalisation, SHA-256 of the text),
 * so a request with 64 texts of which 60 are cached computes 4, and an entry is only ever served for the variant it
 * was computed with.
 *
 * <p>Design. A Caffeine {@link AsyncCache} holds futures, not vectors: {@link #lookupOrClaim} either finds a future
 * (a cached vector, or one another request is computing right now) or puts an incomplete one in the cache and hands it
 * to the caller as its owner. That is the single flight: identical texts arriving together are computed once, and
 * the owner completes the future for everyone. A future completed exceptionally leaves the cache (Caffeine removes
 * failed futures), so errors are never cached. Weight is the vector's bytes plus a fixed overhead per entry;
 * in-flight futures weigh nothing until they complete. Time and the maintenance executor are injected (tests pass a
 * fake ticker and {@code Runnable::run}).
 *
 * <p>Threads: every method may be called from any thread (event loops complete look-ups, lane threads complete
 * owned futures). An owner must complete every future it claimed, or waiters wait until their own deadline.
 */
public final class EmbeddingCache {
  /** Bytes counted per entry beyond the vector: key strings, digest, future and node. */
  static final int ENTRY_OVERHEAD_BYTES = 160;

  /** A cache key; {@code sha256} is the hex digest of the text's UTF-8 bytes. */
  public record Key(String model, String variant, String normalisation, String sha256) {
    public static Key of(String model, String variant, String normalisation, String text) {
      return new Key(model, variant, normalisation, EmbeddingCache.sha256(text));
    }
  }

  /** A computed vector, its token count (for OpenAI's usage) and the variant that computed it. */
  public record Entry(float[] vector, int tokens, String variant) {
    int weight() {
      return vector.length * Float.BYTES + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** A look-up: the future to wait on, and whether the caller owns it (must compute and complete it). */
  public record Lookup(CompletableFuture<Entry> future, boolean owned) {}

  /** Told of every eviction by size or expiry (not of explicit removals). */
  public interface EvictionListener {
    void evicted(Key key);
  }

  private final AsyncCache<Key, Entry> cache;

  private EmbeddingCache(AsyncCache<Key, Entry> cache) {
    this.cache = cache;
  }

  /**
   * A cache bounded by {@code maxBytes} whose entries live {@code ttl}; {@code maxBytes == 0} or a zero {@code ttl}
   * gives the disabled cache.
   */
  public static EmbeddingCache create(long maxBytes, Duration ttl, Ticker ticker, Executor executor, EvictionListener listener) {
    if (maxBytes < 0) throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
    if (maxBytes == 0 || ttl.isZero()) return disabled();
    AsyncCache<Key, Entry> c = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((Key k, Entry e) -> e.weight())
        .expireAfterWrite(ttl)
        .ticker(ticker)
        .executor(executor)
        .evictionListener((Key k, Entry e, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
          if (k != null && cause.wasEvicted()) listener.evicted(k);
        })
        .buildAsync();
    return new EmbeddingCache(c);
  }

  /** The null object: every look-up is owned and nothing is kept. */
  static EmbeddingCache disabled() {
    return new EmbeddingCache(null);
  }

  public boolean enabled() {
    return cache != null;
  }

  /** A cached or in-flight future for the key, or a new one the caller now owns (and must complete). */
  public Lookup lookupOrClaim(Key key) {
    CompletableFuture<Entry> mine = new CompletableFuture<>();
    if (cache == null) return new Lookup(mine, true);
    CompletableFuture<Entry> prior = cache.asMap().putIfAbsent(key, mine);
    return prior == null ? new Lookup(mine, true) : new Lookup(prior, false);
  }

  /**
   * The owner's answer for a claimed key. When routing degraded the request to another variant, waiters still get
   * the vector (they were routed the same way at the same moment), but the entry is kept only under the key of the
   * variant that computed it.
   */
  public void complete(Key key, CompletableFuture<Entry> claimed, Entry entry) {
    claimed.complete(entry);
    if (cache != null && !entry.variant().equals(key.variant())) {
      cache.asMap().remove(key, claimed);
      cache.put(new Key(key.model(), entry.variant(), key.normalisation(), key.sha256()),
          CompletableFuture.completedFuture(entry));
    }
  }

  /**
   * The owner failed: the key leaves the cache and waiters get a {@link java.util.concurrent.CancellationException}
   * naming the cause (the error was the owner's request's, not theirs: they may compute for themselves). A
   * cancellation, unlike other errors, is not logged by Caffeine, so a burst of expired requests is not a burst of
   * warnings.
   */
  public void fail(Key key, CompletableFuture<Entry> claimed, Throwable error) {
    if (cache != null) cache.asMap().remove(key, claimed);
    var c = new java.util.concurrent.CancellationException("the request computing this text failed: "
        + ErrorMapping.unwrap(error).getMessage());
    claimed.completeExceptionally(c);
  }

  /** Bytes held by completed entries (Caffeine's weighted size). */
  public long weightedBytes() {
    if (cache == null) return 0;
    return cache.synchronous().policy().eviction().flatMap(e -> {
      var w = e.weightedSize();
      return w.isPresent() ? java.util.Optional.of(w.getAsLong()) : java.util.Optional.empty();
    }).orElse(0L);
  }

  /** Runs pending maintenance (evictions) now; for tests and the bytes gauge. */
  void cleanUp() {
    if (cache != null) cache.synchronous().cleanUp();
  }

  long size() {
    return cache == null ? 0 : cache.synchronous().estimatedSize();
  }

  static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
