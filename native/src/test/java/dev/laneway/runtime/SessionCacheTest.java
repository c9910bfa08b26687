package dev.laneway.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Optimized models kept across sessions: the second session loads the file and computes the same vectors. */
class SessionCacheTest {
  @TempDir Path dir;

  @AfterEach
  void off() {
    SessionCache.useDirectory(null);
  }

  @Test
  void secondOpen_loadsTheOptimizedModel_andComputesTheSameVectors() throws Exception {
    EncoderSpec spec = OracleTest.spec("all-minilm-l6-v2", "int8");
    float[][] plain;
    try (Tokenizer tok = Tokenizer.load(spec); EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1)) {
      assertFalse(s.fromCache(), "no cache directory: built from the model");
      plain = s.embed(EncoderSessionTest.TEXTS.stream().map(tok::encode).toList());
    }
    SessionCache.useDirectory(dir);
    try (Tokenizer tok = Tokenizer.load(spec); EncoderSession first = EncoderSession.open(spec, List.of("cpu"), 1);
        EncoderSession second = EncoderSession.open(spec, List.of("cpu"), 1)) {
      assertFalse(first.fromCache(), "the first open optimizes and writes the file");
      assertTrue(second.fromCache(), "the second loads it");
      List<Tokens> tokens = EncoderSessionTest.TEXTS.stream().map(tok::encode).toList();
      float[][] a = first.embed(tokens);
      float[][] b = second.embed(tokens);
      for (int i = 0; i < plain.length; i++) {
        assertArrayEquals(plain[i], a[i], 1e-5f, "item " + i);
        assertArrayEquals(plain[i], b[i], 1e-5f, "item " + i);
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.filter(p -> p.getFileName().toString().endsWith(".onnx")).count(),
          "one optimized model, no temporary file left");
    }
  }

  /** A first start that leaves writing to the trainer after it: it loads what is there and writes nothing. */
  @Test
  void withoutWrites_whatIsThereIsLoaded_andNothingWritten() throws Exception {
    EncoderSpec spec = OracleTest.spec("all-minilm-l6-v2", "int8");
    SessionCache.useDirectory(dir, false);
    try (EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1)) {
      assertFalse(s.fromCache(), "nothing there: optimized in memory");
      assertEquals(1, s.embed(List.of(Tokenizer.load(spec).encode("hello"))).length);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "no optimized model and no temporary file written");
    }
    SessionCache.useDirectory(dir, true);
    EncoderSession.open(spec, List.of("cpu"), 1).close(); // writes it
    SessionCache.useDirectory(dir, false);
    try (EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1)) {
      assertTrue(s.fromCache(), "what another process wrote is loaded");
    }
  }

  @Test
  void unreadableCachedModel_isDeletedAndBuiltAgain() throws Exception {
    EncoderSpec spec = OracleTest.spec("all-minilm-l6-v2", "int8");
    SessionCache.useDirectory(dir);
    EncoderSession.open(spec, List.of("cpu"), 1).close();
    Path file;
    try (Stream<Path> files = Files.list(dir)) {
      file = files.filter(p -> p.getFileName().toString().endsWith(".onnx")).findFirst().orElseThrow();
    }
    Files.writeString(file, "not a model");
    try (EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1)) {
      assertFalse(s.fromCache(), "a broken file is not used");
      assertEquals(1, s.embed(List.of(Tokenizer.load(spec).encode("hello"))).length);
    }
    assertNotEquals("not a model", Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1),
        "rewritten by the rebuilt session");
  }

  @Test
  void aModelThatCannotBeOpened_leavesNoTemporaryFile(@TempDir Path models) throws Exception {
    EncoderSpec good = OracleTest.spec("all-minilm-l6-v2", "int8");
    Path broken = Files.writeString(models.resolve("broken.onnx"), "not a model");
    EncoderSpec spec = new EncoderSpec(good.model(), good.variant(), ModelSource.of(broken.toString()),
        good.tokenizer(), good.pooling(), good.maxSequenceLength());
    SessionCache.useDirectory(dir);
    assertThrows(Exception.class, () -> EncoderSession.open(spec, List.of("cpu"), 1).close());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "the temporary file the failed open would have written is gone");
    }
  }

  @Test
  void temporaryFilesLeftByADeadProcess_areSweptAtStart_freshOnesKept() throws Exception {
    Path old = Files.createFile(dir.resolve(".session123.onnx.tmp"));
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(
        System.currentTimeMillis() - SessionCache.STALE_TEMP_MILLIS - 60_000));
    Path fresh = Files.createFile(dir.resolve(".session456.onnx.tmp")); // another process may be writing it
    Path model = Files.writeString(dir.resolve("m-int8-abc.onnx"), "kept");
    Files.setLastModifiedTime(model, Files.getLastModifiedTime(old));
    SessionCache.useDirectory(dir);
    assertFalse(Files.exists(old), "left by a process that died writing it");
    assertTrue(Files.exists(fresh), "may still be written by another gateway sharing the directory");
    assertTrue(Files.exists(model), "a cached model is never swept");
  }

  @Test
  void sessionsOpenedAtOnce_writeOneFile_andShareItsKey() throws Exception {
    EncoderSpec spec = OracleTest.spec("all-minilm-l6-v2", "int8");
    SessionCache.useDirectory(dir);
    CyclicBarrier together = new CyclicBarrier(2);
    List<CompletableFuture<EncoderSession>> opening = Stream.of(0, 1).map(i -> CompletableFuture.supplyAsync(() -> {
      try {
        together.await();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return EncoderSession.open(spec, List.of("cpu"), 1);
    })).toList();
    List<EncoderSession> sessions = opening.stream().map(CompletableFuture::join).toList();
    try {
      assertEquals(1, sessions.stream().filter(EncoderSession::fromCache).count(),
          "one built and wrote the file, the other waited and loaded it");
    } finally {
      sessions.forEach(EncoderSession::close);
    }
    assertEquals(SessionCache.key(spec, OrtSession.SessionOptions.OptLevel.ALL_OPT, "cpu"),
        SessionCache.key(spec, OrtSession.SessionOptions.OptLevel.ALL_OPT, "cpu"));
    assertNotEquals(SessionCache.key(spec, OrtSession.SessionOptions.OptLevel.ALL_OPT, "cpu"),
        SessionCache.key(OracleTest.spec("all-minilm-l6-v2", "fp32"), OrtSession.SessionOptions.OptLevel.ALL_OPT,
            "cpu"), "another model, another file");
  }
}
