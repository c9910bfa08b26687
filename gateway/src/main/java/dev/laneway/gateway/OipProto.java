package dev.laneway.gateway;

import com.google.protobuf.ByteString;
import dev.laneway.oip.InferParameter;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol's protobuf messages for text-embedding models, both ways: input {@code text} (BYTES,
 * {@code [N]} or {@code [N, 1]}) as typed {@code bytes_contents} or as {@code raw_input_contents}; output
 * {@code embedding} (FP32, {@code [N, dim]}) typed when the request was typed, raw when it was raw. Decoding is strict
 * and every problem is a {@link GatewayException.BadRequest} naming the field. Stateless; any thread.
 */
final class OipProto {
  private OipProto() {}

  /** A decoded request: texts, parameters as Java values, and whether to answer in raw form. */
  record Decoded(List<String> texts, Map<String, Object> parameters, boolean raw) {}

  static Decoded decode(ModelInferRequest r, int maxTexts) {
    if (r.getModelName().isEmpty()) throw bad("model_name: missing");
    if (r.getInputsCount() != 1) {
      throw bad("inputs: " + r.getInputsCount() + " tensors (expected: exactly one, named '" + OipJson.INPUT + "')");
    }
    ModelInferRequest.InferInputTensor in = r.getInputs(0);
    if (!OipJson.INPUT.equals(in.getName())) {
      throw bad("inputs[0].name: '" + in.getName() + "' (expected: '" + OipJson.INPUT + "')");
    }
    if (!"BYTES".equals(in.getDatatype())) {
      throw bad("inputs[0].datatype: '" + in.getDatatype() + "' (expected: BYTES)");
    }
    long n = count(in.getShapeList(), maxTexts);
    List<String> texts;
    boolean raw = r.getRawInputContentsCount() > 0;
    if (raw) {
      if (r.getRawInputContentsCount() != 1) {
        throw bad("raw_input_contents: " + r.getRawInputContentsCount() + " entries (expected: one per input, 1)");
      }
      if (in.hasContents() && !in.getContents().equals(InferTensorContents.getDefaultInstance())) {
        throw bad("inputs[0]: both contents and raw_input_contents (expected: one of them)");
      }
      texts = Tensors.decodeBytes(r.getRawInputContents(0).asReadOnlyByteBuffer(), n, "raw_input_contents[0]");
    } else {
      InferTensorContents c = in.getContents();
      if (c.getFp32ContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount() + c.getBoolContentsCount()
          + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp64ContentsCount() > 0) {
        throw bad("inputs[0].contents: numeric contents for a BYTES tensor (expected: bytes_contents)");
      }
      if (c.getBytesContentsCount() != n) {
        throw bad("inputs[0].contents.bytes_contents: " + c.getBytesContentsCount() + " elements, shape says " + n);
      }
      texts = new ArrayList<>((int) n);
      for (int i = 0; i < n; i++) {
        texts.add(Tensors.text(c.getBytesContents(i).asReadOnlyByteBuffer(), "inputs[0].contents.bytes_contents[" + i + "]"));
      }
    }
    for (int i = 0; i < r.getOutputsCount(); i++) {
      if (!OipJson.OUTPUT.equals(r.getOutputs(i).getName())) {
        throw bad("outputs[" + i + "].name: '" + r.getOutputs(i).getName() + "' (expected: '" + OipJson.OUTPUT + "')");
      }
    }
    return new Decoded(texts, parameters(r.getParametersMap()), raw);
  }

  private static long count(List<Long> shape, int maxTexts) {
    if (shape.isEmpty() || shape.size() > 2) throw bad("inputs[0].shape: " + shape + " (expected: [N] or [N, 1])");
    if (shape.size() == 2 && shape.get(1) != 1) throw bad("inputs[0].shape: " + shape + " (expected: [N] or [N, 1])");
    long n = shape.get(0);
    if (n < 1) throw bad("inputs[0].shape: " + shape + " (expected: at least one text)");
    if (n > maxTexts) throw bad("inputs[0].shape: " + n + " texts (expected: at most " + maxTexts + ", --max-texts)");
    return n;
  }

  static Map<String, Object> parameters(Map<String, InferParameter> params) {
    Map<String, Object> out = new HashMap<>();
    params.forEach((k, v) -> {
      Object value = switch (v.getParameterChoiceCase()) {
        case BOOL_PARAM -> v.getBoolParam();
        case INT64_PARAM -> v.getInt64Param();
        case STRING_PARAM -> v.getStringParam();
        case DOUBLE_PARAM -> v.getDoubleParam();
        case UINT64_PARAM -> v.getUint64Param();
        case PARAMETERCHOICE_NOT_SET -> null;
      };
      if (value != null) out.put(k, value);
    });
    return out;
  }

  static InferParameter parameter(Object v) {
    InferParameter.Builder b = InferParameter.newBuilder();
    return switch (v) {
      case Boolean x -> b.setBoolParam(x).build();
      case Integer x -> b.setInt64Param(x).build();
      case Long x -> b.setInt64Param(x).build();
      case Number x -> b.setDoubleParam(x.doubleValue()).build();
      default -> b.setStringParam(String.valueOf(v)).build();
    };
  }

  static ModelInferResponse encode(String model, String id, InferenceService.Reply reply, boolean raw) {
    float[][] vectors = reply.vectors();
    int dim = vectors.length == 0 ? 0 : vectors[0].length;
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(model).setModelVersion(reply.variant()).setId(id);
    reply.parameters().forEach((k, v) -> b.putParameters(k, parameter(v)));
    ModelInferResponse.InferOutputTensor.Builder out = ModelInferResponse.InferOutputTensor.newBuilder()
        .setName(OipJson.OUTPUT).setDatatype("FP32").addShape(vectors.length).addShape(dim);
    if (raw) {
      b.addOutputs(out).addRawOutputContents(ByteString.copyFrom(Tensors.encodeFp32(vectors)));
    } else {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (float[] v : vectors) {
        for (float x : v) c.addFp32Contents(x);
      }
      b.addOutputs(out.setContents(c));
    }
    return b.build();
  }

  private static GatewayException.BadRequest bad(String message) {
    return new GatewayException.BadRequest(message);
  }
}
