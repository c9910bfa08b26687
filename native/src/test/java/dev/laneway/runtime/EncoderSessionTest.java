package dev.laneway.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pooled, pinned-output path against the naive one, on the real fp32 MiniLM model. */
class EncoderSessionTest {
  static final List<String> TEXTS =
      List.of("Hello from Hong Kong", "短句", "A somewhat longer sentence about batching text encoders on CPUs.");

  @Test
  void pooledPath_equalsNaivePath_andReturnsEveryBuffer() {
    EncoderSpec spec = OracleTest.spec("all-minilm-l6-v2", "fp32");
    try (Tokenizer tok = Tokenizer.load(spec);
        EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1)) {
      List<Tokens> tokens = TEXTS.stream().map(tok::encode).toList();
      float[][] naive = s.embedNaive(tokens, 24);
      float[][] pooled = s.embed(tokens, tokens.size(), 24);
      for (int i = 0; i < naive.length; i++) {
        assertArrayEquals(naive[i], pooled[i], 1e-5f, "item " + i);
      }
      assertEquals(0, s.buffersInUse());
      // static shapes: 3 items in a 4 x 32 call; the filler row changes nothing for fp32
      float[][] padded = s.embed(tokens, 4, 32);
      assertEquals(3, padded.length);
      for (int i = 0; i < naive.length; i++) {
        assertTrue(OracleTest.cosine(naive[i], padded[i]) > 0.9999, "item " + i);
      }
      assertEquals(0, s.buffersInUse());
      assertThrows(IllegalArgumentException.class, () -> s.embed(tokens, 2, 32));
      assertThrows(IllegalArgumentException.class, () -> s.embed(tokens, 3, 4));
      assertEquals(0, s.buffersInUse());
    }
  }

  @Test
  void pool_reusesBuffers() {
    DirectBufferPool pool = new DirectBufferPool();
    var a = pool.acquire(1000);
    assertEquals(1000, a.limit());
    assertEquals(1, pool.inUse());
    pool.release(a);
    var b = pool.acquire(900);
    assertTrue(a == b, "the same 1 KiB buffer is reused");
    pool.release(b);
    assertEquals(0, pool.inUse());
    assertEquals(1, pool.allocated());
  }
}
