package dev.laneway.protocol;

import com.google.protobuf.ByteString;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A text-embedding model's {@code ModelInfer} messages, both ways: the request carries the texts as the one BYTES
 * input {@value Oip#INPUT} (shape {@code [N]}; raw in {@code raw_input_contents}, or typed in {@code bytes_contents});
 * the response carries the vectors as the one FP32 output {@value Oip#OUTPUT} (shape {@code [N, dim]}; raw in
 * {@code raw_output_contents} when the request was raw, else typed in {@code fp32_contents}). A server door decodes
 * requests with {@link #texts} and answers with {@link #response}; a client (a remote lane, the load tests) builds
 * requests with {@link #request} and reads answers with {@link #vectors}.
 *
 * <pre>{@code
 * ModelInferRequest req = Embeddings.request("all-minilm-l6-v2", "int8", List.of("hello")).build();
 * // ... on the server
 * List<String> texts = Embeddings.texts(req, 1);
 * ModelInferResponse resp = Embeddings.response("all-minilm-l6-v2", "int8", "", vectors, Embeddings.raw(req)).build();
 * // ... back on the client
 * float[][] v = Embeddings.vectors(resp, 1);
 * }</pre>
 *
 * <p>Decoding is strict: every problem is an {@link OipFormatException} naming the field. Stateless; any thread.
 */
public final class Embeddings {
  private Embeddings() {}

  /**
   * A request for the vectors of {@code texts}: one raw BYTES input of shape {@code [N]}; the model version when
   * {@code version} is neither null nor empty. The caller adds an id, parameters or requested outputs.
   */
  public static ModelInferRequest.Builder request(String model, String version, List<String> texts) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(Oip.INPUT).setDatatype(Oip.BYTES)
            .addShape(texts.size()))
        .addRawInputContents(ByteString.copyFrom(Tensors.encodeBytes(texts)));
    if (version != null && !version.isEmpty()) b.setModelVersion(version);
    return b;
  }

  /** Whether the request carries its input raw, and so wants its output raw. */
  public static boolean raw(ModelInferRequest r) {
    return r.getRawInputContentsCount() > 0;
  }

  /**
   * The {@code n} texts of the request's first input, raw or typed (the caller has checked the input's name, datatype
   * and shape, and bounded {@code n}).
   *
   * @throws OipFormatException naming the field at fault
   */
  public static List<String> texts(ModelInferRequest r, long n) {
    ModelInferRequest.InferInputTensor in = r.getInputs(0);
    if (raw(r)) {
      if (r.getRawInputContentsCount() != 1) {
        throw bad("raw_input_contents: " + r.getRawInputContentsCount() + " entries (expected: one per input, 1)");
      }
      if (in.hasContents() && !in.getContents().equals(InferTensorContents.getDefaultInstance())) {
        throw bad("inputs[0]: both contents and raw_input_contents (expected: one of them)");
      }
      return Tensors.decodeBytes(r.getRawInputContents(0).asReadOnlyByteBuffer(), n, "raw_input_contents[0]");
    }
    InferTensorContents c = in.getContents();
    if (c.getFp32ContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount() + c.getBoolContentsCount()
        + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp64ContentsCount() > 0) {
      throw bad("inputs[0].contents: numeric contents for a BYTES tensor (expected: bytes_contents)");
    }
    if (c.getBytesContentsCount() != n) {
      throw bad("inputs[0].contents.bytes_contents: " + c.getBytesContentsCount() + " elements, shape says " + n);
    }
    List<String> texts = new ArrayList<>((int) n);
    for (int i = 0; i < n; i++) {
      texts.add(Tensors.text(c.getBytesContents(i).asReadOnlyByteBuffer(),
          "inputs[0].contents.bytes_contents[" + i + "]"));
    }
    return texts;
  }

  /**
   * An answer: the vectors as the FP32 output {@code [N, dim]}, raw or typed. The caller adds the parameters.
   */
  public static ModelInferResponse.Builder response(String model, String version, String id, float[][] vectors,
      boolean raw) {
    int dim = vectors.length == 0 ? 0 : vectors[0].length;
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(model).setModelVersion(version)
        .setId(id);
    ModelInferResponse.InferOutputTensor.Builder out = ModelInferResponse.InferOutputTensor.newBuilder()
        .setName(Oip.OUTPUT).setDatatype(Oip.FP32).addShape(vectors.length).addShape(dim);
    if (raw) {
      b.addOutputs(out).addRawOutputContents(ByteString.copyFrom(Tensors.encodeFp32(vectors)));
    } else {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (float[] v : vectors) {
        for (float x : v) c.addFp32Contents(x);
      }
      b.addOutputs(out.setContents(c));
    }
    return b;
  }

  /**
   * The {@code n} vectors of an answer to {@code n} texts: the first output, FP32 of shape {@code [n, dim]}, raw or
   * typed, its values exactly its shape's.
   *
   * @throws OipFormatException when the answer has no output, another shape or datatype, or the wrong number of
   *     bytes or values
   */
  public static float[][] vectors(ModelInferResponse r, int n) {
    if (r.getOutputsCount() < 1) throw bad("outputs: none (expected: '" + Oip.OUTPUT + "')");
    ModelInferResponse.InferOutputTensor out = r.getOutputs(0);
    if (!out.getDatatype().isEmpty() && !Oip.FP32.equals(out.getDatatype())) {
      throw bad("outputs[0].datatype: '" + out.getDatatype() + "' (expected: " + Oip.FP32 + ")");
    }
    if (out.getShapeCount() != 2 || out.getShape(0) != n) {
      throw bad("outputs[0].shape: " + out.getShapeList() + " (expected: [" + n + ", dim])");
    }
    long dim = out.getShape(1);
    if (r.getRawOutputContentsCount() > 0) {
      return Tensors.decodeFp32(r.getRawOutputContents(0).asReadOnlyByteBuffer(), n, dim, "raw_output_contents[0]");
    }
    return Tensors.decodeFp32(out.getContents().getFp32ContentsList(), n, dim, "outputs[0].contents.fp32_contents");
  }

  private static OipFormatException bad(String message) {
    return new OipFormatException(message);
  }
}
