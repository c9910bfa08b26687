package dev.laneway.gateway.oip;

import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.gateway.pipeline.Answer;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.protocol.Embeddings;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.OipFormatException;
import dev.laneway.protocol.Parameters;
import java.util.List;
import java.util.Map;

/**
 * The gRPC door's side of the Open Inference Protocol's messages for text-embedding models: it checks what the door
 * accepts (one input {@code text}, BYTES, {@code [N]} or {@code [N, 1]}, at most {@code --max-texts}; only the output
 * {@code embedding}) and leaves the tensor codecs, both ways, to {@code dev.laneway.protocol}'s {@link Embeddings}:
 * input as typed {@code bytes_contents} or as {@code raw_input_contents}; output typed when the request was typed,
 * raw when it was raw. Decoding is strict and every problem is a {@link GatewayException.BadRequest} naming the
 * field. Stateless; any thread.
 */
public final class OipProto {
  private OipProto() {}

  /** A decoded request: texts, parameters as Java values, and whether to answer in raw form. */
  record Decoded(List<String> texts, Map<String, Object> parameters, boolean raw) {}

  public static Decoded decode(ModelInferRequest r, int maxTexts) {
    if (r.getModelName().isEmpty()) throw bad("model_name: missing");
    if (r.getInputsCount() != 1) {
      throw bad("inputs: " + r.getInputsCount() + " tensors (expected: exactly one, named '" + Oip.INPUT + "')");
    }
    ModelInferRequest.InferInputTensor in = r.getInputs(0);
    if (!Oip.INPUT.equals(in.getName())) {
      throw bad("inputs[0].name: '" + in.getName() + "' (expected: '" + Oip.INPUT + "')");
    }
    if (!Oip.BYTES.equals(in.getDatatype())) {
      throw bad("inputs[0].datatype: '" + in.getDatatype() + "' (expected: BYTES)");
    }
    long n = count(in.getShapeList(), maxTexts);
    List<String> texts;
    try {
      texts = Embeddings.texts(r, n);
    } catch (OipFormatException e) {
      throw bad(e.getMessage());
    }
    for (int i = 0; i < r.getOutputsCount(); i++) {
      if (!Oip.OUTPUT.equals(r.getOutputs(i).getName())) {
        throw bad("outputs[" + i + "].name: '" + r.getOutputs(i).getName() + "' (expected: '" + Oip.OUTPUT + "')");
      }
    }
    return new Decoded(texts, Parameters.toJava(r.getParametersMap()), Embeddings.raw(r));
  }

  private static long count(List<Long> shape, int maxTexts) {
    if (shape.isEmpty() || shape.size() > 2) throw bad("inputs[0].shape: " + shape + " (expected: [N] or [N, 1])");
    if (shape.size() == 2 && shape.get(1) != 1) throw bad("inputs[0].shape: " + shape + " (expected: [N] or [N, 1])");
    long n = shape.get(0);
    if (n < 1) throw bad("inputs[0].shape: " + shape + " (expected: at least one text)");
    if (n > maxTexts) throw bad("inputs[0].shape: " + n + " texts (expected: at most " + maxTexts + ", --max-texts)");
    return n;
  }

  static ModelInferResponse encode(String model, String id, Answer answer, boolean raw) {
    ModelInferResponse.Builder b = Embeddings.response(model, answer.variant(), id, answer.vectors(), raw);
    answer.parameters().toMap().forEach((k, v) -> b.putParameters(k, Parameters.of(v)));
    return b.build();
  }

  private static GatewayException.BadRequest bad(String message) {
    return new GatewayException.BadRequest(message);
  }
}
