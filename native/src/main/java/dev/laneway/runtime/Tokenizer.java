package dev.laneway.runtime;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (the Rust {@code tokenizers} library through DJL, whose native
 * library ships inside its jar: nothing is downloaded at run time). Padding is off (the executor pads per batch) and
 * truncation is at the model's {@link EncoderSpec#maxSequenceLength()}, overriding whatever the file declares.
 *
 * <p>Thread-safe: any thread may call {@link #encode}.
 */
public final class Tokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer delegate;
  private final int maxLength;

  private Tokenizer(HuggingFaceTokenizer delegate, int maxLength) {
    this.delegate = delegate;
    this.maxLength = maxLength;
  }

  public static Tokenizer load(EncoderSpec spec) {
    NativeLibraries.offline();
    try (InputStream in = spec.tokenizer().open()) {
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.newInstance(
              in,
              Map.of(
                  "padding", "false",
                  "truncation", "true",
                  "maxLength", Integer.toString(spec.maxSequenceLength()),
                  "addSpecialTokens", "true"));
      return new Tokenizer(tokenizer, spec.maxSequenceLength());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer " + spec.tokenizer() + ": " + e.getMessage(), e);
    }
  }

  public Tokens encode(String text) {
    Encoding encoding = delegate.encode(text, true, false);
    long[] ids = encoding.getIds();
    return new Tokens(ids, encoding.getTypeIds(), encoding.exceedMaxLength() || ids.length > maxLength);
  }

  public int maxLength() {
    return maxLength;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
