package dev.laneway.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15.BgeSmallZhV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The correctness oracle: Laneway's embeddings against LangChain4j's own embedding model classes (an independent
 * implementation over the same ONNX files) on 150 varied sentences — English, Chinese, mixed scripts, decomposed
 * accents, emoji sequences, code, URLs and long paragraphs. Laneway embeds them in padded batches of 16, LangChain4j
 * one at a time without padding, so padding and masking are checked too.
 *
 * <p>Also reports the int8-vs-fp32 cosine per model: the quantization delta specialised lanes are judged by.
 */
class OracleTest {
  static List<String> sentences;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = OracleTest.class.getResourceAsStream("/oracle.txt")) {
      sentences = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(s -> !s.isBlank()).toList();
    }
    assertTrue(sentences.size() >= 150, "oracle corpus has " + sentences.size() + " sentences");
  }

  static EncoderSpec spec(String model, String variant, String file, Pooling pooling, int max) {
    return new EncoderSpec(model, variant, ModelSource.of("classpath:" + file + ".onnx"),
        ModelSource.of("classpath:" + file + "-tokenizer.json"), pooling, max);
  }

  static EncoderSpec spec(String model, String variant) {
    boolean minilm = model.startsWith("all-minilm");
    String file = (minilm ? "all-minilm-l6-v2" : "bge-small-zh-v1.5") + (variant.equals("int8") ? "-q" : "");
    return spec(model, variant, file, minilm ? Pooling.MEAN : Pooling.CLS, minilm ? 256 : 512);
  }

  static Supplier<EmbeddingModel> reference(String model, String variant) {
    return switch (model + ":" + variant) {
      case "all-minilm-l6-v2:fp32" -> AllMiniLmL6V2EmbeddingModel::new;
      case "all-minilm-l6-v2:int8" -> AllMiniLmL6V2QuantizedEmbeddingModel::new;
      case "bge-small-zh-v1.5:fp32" -> BgeSmallZhV15EmbeddingModel::new;
      case "bge-small-zh-v1.5:int8" -> BgeSmallZhV15QuantizedEmbeddingModel::new;
      default -> throw new IllegalArgumentException(model + ":" + variant);
    };
  }

  /** Embeds every sentence with Laneway, in padded batches of {@code batchSize}. */
  static float[][] laneway(EncoderSpec spec, List<Tokens> tokens, int batchSize) {
    float[][] out = new float[tokens.size()][];
    try (EncoderSession session = EncoderSession.open(spec, List.of("cpu"), 1)) {
      for (int from = 0; from < tokens.size(); from += batchSize) {
        List<Tokens> batch = tokens.subList(from, Math.min(tokens.size(), from + batchSize));
        float[][] v = session.embed(batch);
        System.arraycopy(v, 0, out, from, v.length);
      }
    }
    return out;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  @ParameterizedTest(name = "{0}:{1}")
  @CsvSource({"all-minilm-l6-v2, fp32", "all-minilm-l6-v2, int8", "bge-small-zh-v1.5, fp32", "bge-small-zh-v1.5, int8"})
  void lanewayMatchesLangChain4j(String model, String variant) {
    EncoderSpec spec = spec(model, variant);
    List<Tokens> tokens;
    try (Tokenizer tokenizer = Tokenizer.load(spec)) {
      tokens = sentences.stream().map(tokenizer::encode).toList();
    }
    // fp32 in padded batches of 16. The int8 graphs quantize activations per tensor (DynamicQuantizeLinear), so an
    // int8 vector depends on what else is in its batch; it is compared unbatched here, and the batch effect is
    // measured by int8BatchingDrift below.
    float[][] ours = laneway(spec, tokens, variant.equals("int8") ? 1 : 16);
    EmbeddingModel ref = reference(model, variant).get();
    int compared = 0;
    double min = 1;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < sentences.size(); i++) {
      assertEquals(1.0, Math.sqrt(cosineSelf(ours[i])), 1e-5, "unit length");
      if (tokens.get(i).truncated()) {
        assertEquals(spec.maxSequenceLength(), tokens.get(i).length(), "truncated at the model's limit");
        continue; // LangChain4j splits long texts into windows and averages them; Laneway truncates, as
                  // sentence-transformers does. Those differ by design.
      }
      float[] theirs = ref.embed(sentences.get(i)).content().vector();
      double c = cosine(ours[i], theirs);
      min = Math.min(min, c);
      compared++;
      if (c < 0.9999) failures.add(String.format("%.6f  %s", c, sentences.get(i)));
    }
    System.out.printf("oracle %s:%s compared=%d truncated=%d min_cosine=%.7f%n", model, variant, compared,
        sentences.size() - compared, min);
    assertTrue(compared >= 100, "compared only " + compared + " sentences");
    assertTrue(failures.isEmpty(), "cosine < 0.9999 for:\n" + String.join("\n", failures));
  }

  private static double cosineSelf(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return s;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"all-minilm-l6-v2", "bge-small-zh-v1.5"})
  void quantizationDelta_int8AgainstFp32(String model) {
    EncoderSpec fp32 = spec(model, "fp32");
    EncoderSpec int8 = spec(model, "int8");
    List<Tokens> tokens;
    try (Tokenizer tokenizer = Tokenizer.load(fp32)) {
      tokens = sentences.stream().map(tokenizer::encode).toList();
    }
    float[][] a = laneway(fp32, tokens, 16);
    float[][] b = laneway(int8, tokens, 1);
    double min = 1, sum = 0;
    for (int i = 0; i < a.length; i++) {
      double c = cosine(a[i], b[i]);
      min = Math.min(min, c);
      sum += c;
    }
    System.out.printf("quantization delta %s int8 vs fp32 over %d sentences: min_cosine=%.4f mean_cosine=%.4f%n",
        model, a.length, min, sum / a.length);
    assertTrue(sum / a.length > 0.9, "int8 is far from fp32: mean cosine " + sum / a.length);
  }

  /**
   * Dynamic quantization computes one scale per activation tensor, so padding and batch neighbours move an int8
   * vector. This measures how far (batch of 16 vs alone) — the price of batching int8 across requests.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"all-minilm-l6-v2", "bge-small-zh-v1.5"})
  void int8BatchingDrift(String model) {
    EncoderSpec int8 = spec(model, "int8");
    List<Tokens> tokens;
    try (Tokenizer tokenizer = Tokenizer.load(int8)) {
      tokens = sentences.stream().map(tokenizer::encode).toList();
    }
    float[][] alone = laneway(int8, tokens, 1);
    float[][] batched = laneway(int8, tokens, 16);
    double min = 1, sum = 0;
    for (int i = 0; i < alone.length; i++) {
      double c = cosine(alone[i], batched[i]);
      min = Math.min(min, c);
      sum += c;
    }
    System.out.printf("int8 batching drift %s batch-16 vs alone over %d sentences: min_cosine=%.4f mean_cosine=%.4f%n",
        model, alone.length, min, sum / alone.length);
    assertTrue(min > 0.9, "batching moved an int8 vector too far: min cosine " + min);
  }

  @Test
  void fp32IsBatchInvariant() {
    EncoderSpec fp32 = spec("all-minilm-l6-v2", "fp32");
    List<Tokens> tokens;
    try (Tokenizer tokenizer = Tokenizer.load(fp32)) {
      tokens = sentences.subList(0, 48).stream().map(tokenizer::encode).toList();
    }
    float[][] alone = laneway(fp32, tokens, 1);
    float[][] batched = laneway(fp32, tokens, 16);
    for (int i = 0; i < alone.length; i++) {
      assertTrue(cosine(alone[i], batched[i]) > 0.99999, "padding changed an fp32 vector: " + sentences.get(i));
    }
  }

  @Test
  void truncationStopsAtTheModelsLimit() {
    EncoderSpec spec = spec("all-minilm-l6-v2", "int8");
    try (Tokenizer t = Tokenizer.load(spec)) {
      Tokens longText = t.encode("word ".repeat(2000));
      assertEquals(256, longText.length());
      assertTrue(longText.truncated());
      assertEquals(101, longText.ids()[0]); // [CLS]
      assertEquals(102, longText.ids()[255]); // [SEP] kept after truncation
      Tokens shortText = t.encode("Hello from Hong Kong");
      assertTrue(!shortText.truncated());
      assertEquals(List.of(101L, 7592L, 2013L, 4291L, 4290L, 102L),
          java.util.Arrays.stream(shortText.ids()).boxed().toList());
    }
  }
}
