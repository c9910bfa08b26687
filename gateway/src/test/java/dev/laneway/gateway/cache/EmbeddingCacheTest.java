package dev.laneway.gateway.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cache alone: injected ticker and a same-thread executor, so eviction and expiry are deterministic. */
class EmbeddingCacheTest {
  final AtomicLong now = new AtomicLong();
  final AtomicInteger evicted = new AtomicInteger();

  EmbeddingCache cache(long maxBytes, Duration ttl) {
    return EmbeddingCache.create(maxBytes, ttl, now::get, Runnable::run, k -> evicted.incrementAndGet());
  }

  static EmbeddingCache.Entry entry(int dim, String variant) {
    return new EmbeddingCache.Entry(new float[dim], 3, variant);
  }

  @Test
  void eviction_respectsTheByteBound() {
    int perEntry = 384 * 4 + EmbeddingCache.ENTRY_OVERHEAD_BYTES;
    long max = 10L * perEntry;
    EmbeddingCache c = cache(max, Duration.ofMinutes(10));
    for (int i = 0; i < 100; i++) {
      EmbeddingCache.Key k = EmbeddingCache.Key.of("m", "fp32", "mean+l2", "text " + i);
      EmbeddingCache.Lookup l = c.lookupOrClaim(k);
      assertTrue(l.owned());
      c.complete(k, l.future(), entry(384, "fp32"));
      c.cleanUp();
      assertTrue(c.weightedBytes() <= max, "weighted " + c.weightedBytes() + " > " + max);
    }
    assertTrue(evicted.get() >= 90, "evicted " + evicted.get());
    assertTrue(c.size() <= 10);
  }

  @Test
  void singleFlight_secondLookupWaitsOnTheFirst_andFailuresAreNotCached() {
    EmbeddingCache c = cache(1 << 20, Duration.ofMinutes(10));
    EmbeddingCache.Key k = EmbeddingCache.Key.of("m", "fp32", "mean+l2", "same");
    EmbeddingCache.Lookup first = c.lookupOrClaim(k);
    EmbeddingCache.Lookup second = c.lookupOrClaim(k);
    assertTrue(first.owned());
    assertFalse(second.owned());
    assertSame(first.future(), second.future());
    c.fail(k, first.future(), new IllegalStateException("lane down"));
    assertTrue(second.future().isCompletedExceptionally());
    assertTrue(c.lookupOrClaim(k).owned(), "a failure must not stay cached");
  }

  @Test
  void ttl_expiresEntries() {
    EmbeddingCache c = cache(1 << 20, Duration.ofSeconds(5));
    EmbeddingCache.Key k = EmbeddingCache.Key.of("m", "fp32", "mean+l2", "t");
    EmbeddingCache.Lookup l = c.lookupOrClaim(k);
    c.complete(k, l.future(), entry(4, "fp32"));
    assertFalse(c.lookupOrClaim(k).owned());
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    assertTrue(c.lookupOrClaim(k).owned());
  }

  @Test
  void aDegradedAnswerIsKeptOnlyUnderTheVariantThatComputedIt() {
    EmbeddingCache c = cache(1 << 20, Duration.ofMinutes(10));
    EmbeddingCache.Key fp32 = EmbeddingCache.Key.of("m", "fp32", "mean+l2", "t");
    EmbeddingCache.Lookup l = c.lookupOrClaim(fp32);
    c.complete(fp32, l.future(), entry(4, "int8"));
    assertEquals("int8", l.future().join().variant());
    assertTrue(c.lookupOrClaim(fp32).owned(), "never an int8 vector for an fp32 look-up");
    assertFalse(c.lookupOrClaim(new EmbeddingCache.Key("m", "int8", "mean+l2", fp32.sha256())).owned());
  }

  @Test
  void disabled_isANullObject() {
    EmbeddingCache c = EmbeddingCache.create(0, Duration.ofMinutes(10), now::get, Runnable::run, k -> { });
    assertFalse(c.enabled());
    EmbeddingCache.Key k = EmbeddingCache.Key.of("m", "fp32", "mean+l2", "t");
    EmbeddingCache.Lookup l = c.lookupOrClaim(k);
    c.complete(k, l.future(), entry(4, "fp32"));
    assertTrue(c.lookupOrClaim(k).owned());
    assertEquals(0, c.weightedBytes());
  }

  @Test
  void keysDifferByTextVariantAndModel() {
    List<EmbeddingCache.Key> keys = new ArrayList<>(List.of(
        EmbeddingCache.Key.of("m", "fp32", "mean+l2", "a"), EmbeddingCache.Key.of("m", "fp32", "mean+l2", "b"),
        EmbeddingCache.Key.of("m", "int8", "mean+l2", "a"), EmbeddingCache.Key.of("n", "fp32", "mean+l2", "a")));
    for (int i = 0; i < keys.size(); i++) {
      for (int j = i + 1; j < keys.size(); j++) assertNotEquals(keys.get(i), keys.get(j));
    }
    assertEquals(EmbeddingCache.Key.of("m", "fp32", "mean+l2", "a"), keys.get(0));
  }
}
