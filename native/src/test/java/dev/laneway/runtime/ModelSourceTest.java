package dev.laneway.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
  @Test
  void jarResource_fingerprintIsTheEntrysCrcAndSize_withoutReadingIt() {
    ModelSource s = ModelSource.of("classpath:all-minilm-l6-v2-q.onnx"); // inside LangChain4j's jar
    String f = s.fingerprint();
    assertTrue(f.matches("classpath:all-minilm-l6-v2-q\\.onnx crc=[0-9a-f]+ size=\\d+"), f);
    assertEquals(f, ModelSource.of("classpath:all-minilm-l6-v2-q.onnx").fingerprint());
    assertNotEquals(f, ModelSource.of("classpath:all-minilm-l6-v2.onnx").fingerprint());
  }

  @Test
  void file_fingerprintChangesWithTheContent(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("model.onnx");
    Files.writeString(file, "one");
    String before = ModelSource.of(file.toString()).fingerprint();
    assertTrue(before.contains("size=3"), before);
    Files.writeString(file, "three");
    assertNotEquals(before, ModelSource.of(file.toString()).fingerprint());
    assertThrows(UncheckedIOException.class, () -> ModelSource.of(dir.resolve("missing.onnx").toString()).fingerprint());
    assertThrows(UncheckedIOException.class, () -> ModelSource.of("classpath:no-such-model.onnx").fingerprint());
  }

  @Test
  void readAllBytes_readsAJarEntryWhole_intoAnArrayOfItsSize() throws Exception {
    ModelSource s = ModelSource.of("classpath:all-minilm-l6-v2-q.onnx"); // deflated inside LangChain4j's jar
    byte[] whole = s.readAllBytes();
    byte[] streamed;
    try (var in = s.open()) {
      streamed = in.readAllBytes();
    }
    assertTrue(s.fingerprint().endsWith("size=" + whole.length), "the entry's size: " + s.fingerprint());
    assertTrue(java.util.Arrays.equals(streamed, whole), "the same bytes as the stream");
    assertThrows(UncheckedIOException.class, () -> ModelSource.of("classpath:no-such-model.onnx").readAllBytes());
  }

  /** Sessions open the largest models first (DeviceSessions): the size comes from the jar's directory. */
  @Test
  void size_ofAJarEntryAndOfAFile_withoutReadingThem_orMinusOne(@TempDir Path dir) throws Exception {
    ModelSource q = ModelSource.of("classpath:all-minilm-l6-v2-q.onnx");
    assertEquals(q.readAllBytes().length, q.size());
    assertTrue(ModelSource.of("classpath:all-minilm-l6-v2.onnx").size() > 3 * q.size(), "fp32 against int8");
    Path file = Files.writeString(dir.resolve("model.onnx"), "weights");
    assertEquals(7, ModelSource.of(file.toString()).size());
    assertEquals(-1, ModelSource.of("classpath:no-such-model.onnx").size());
    assertEquals(-1, ModelSource.of(dir.resolve("missing.onnx").toString()).size());
  }

  @Test
  void readAllBytes_ofAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("model.onnx");
    Files.writeString(file, "weights");
    assertEquals("weights", new String(ModelSource.of(file.toString()).readAllBytes(), "UTF-8"));
    ModelSource missing = ModelSource.of(dir.resolve("missing.onnx").toString());
    assertThrows(UncheckedIOException.class, missing::readAllBytes);
  }
}
