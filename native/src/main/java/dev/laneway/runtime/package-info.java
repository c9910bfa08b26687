/**
 * The only code that touches ONNX Runtime and native libraries: the ONNX Runtime environment, execution-provider
 * choice per device, encoder sessions (tokenise, pad, run, pool, normalise) and the Hugging Face tokenizer.
 *
 * <p>Nothing here knows about lanes, routing or the network. A session serves one device: its instance threads
 * call it, possibly at once. {@link dev.laneway.runtime.SessionCache} keeps optimized models across starts.
 *
 * <pre>{@code
 * EncoderSpec spec = new EncoderSpec("all-minilm-l6-v2", "int8",
 *     ModelSource.of("classpath:all-minilm-l6-v2-q.onnx"), ModelSource.of("classpath:all-minilm-l6-v2-q-tokenizer.json"),
 *     Pooling.MEAN, 256);
 * Tokenizer tok = Tokenizer.load(spec);
 * try (EncoderSession s = EncoderSession.open(spec, List.of("cuda", "cpu"), 1)) {
 *   float[][] v = s.embed(List.of(tok.encode("Hello from Hong Kong")));
 * }
 * }</pre>
 *
 * <p>(The package is named {@code runtime} because {@code native} is a Java keyword.)
 */
package dev.laneway.runtime;
