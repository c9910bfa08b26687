package dev.laneway.gateway.oip;

import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.OipFormatException;
import dev.laneway.protocol.Tensors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Open Inference Protocol's JSON for text-embedding models: one input {@code text} (BYTES, shape {@code [N]} or
 * {@code [N, 1]}) and one output {@code embedding} (FP32, {@code [N, dim]}). Decoding is strict: every problem is a
 * {@link GatewayException.BadRequest} that names the field.
 */
public final class OipJson {
  private static final Set<String> TOP_LEVEL = Set.of("id", "parameters", "inputs", "outputs");
  private static final Set<String> INPUT_KEYS = Set.of("name", "datatype", "shape", "data", "parameters");

  private OipJson() {}

  /**
   * A decoded request body.
   *
   * @param binaryOutput the caller asked for the output as binary data (Triton's {@code binary_data_output} request
   *     parameter, or {@code binary_data} on the requested output)
   */
  public record InferBody(String id, List<String> texts, JsonObject parameters, boolean binaryOutput) {}

  public static InferBody decodeInfer(Buffer body, int maxTexts) {
    return decodeInfer(body, null, maxTexts);
  }

  /**
   * A JSON request, or the JSON part of a binary one ({@code binary} holds the bytes after the JSON header; null for
   * a plain JSON request). An input with {@code parameters.binary_data_size} takes its data from {@code binary}.
   */
  public static InferBody decodeInfer(Buffer body, Buffer binary, int maxTexts) {
    JsonObject json;
    try {
      Object parsed = Json.decodeValue(body);
      if (!(parsed instanceof JsonObject o)) {
        throw bad("request body: expected a JSON object");
      }
      json = o;
    } catch (DecodeException e) {
      throw bad("malformed JSON: " + firstLine(e.getMessage()));
    }
    for (String key : json.fieldNames()) {
      if (!TOP_LEVEL.contains(key)) throw bad("unknown field '" + key + "' (expected: id, parameters, inputs, outputs)");
    }
    String id = null;
    if (json.containsKey("id")) {
      if (!(json.getValue("id") instanceof String s)) throw bad("id: expected a string");
      id = s;
    }
    JsonObject parameters = new JsonObject();
    if (json.containsKey("parameters")) {
      if (!(json.getValue("parameters") instanceof JsonObject p)) throw bad("parameters: expected an object");
      parameters = p;
    }
    if (!(json.getValue("inputs") instanceof JsonArray inputs)) {
      throw bad(json.containsKey("inputs") ? "inputs: expected an array" : "inputs: missing");
    }
    if (inputs.size() != 1) {
      throw bad("inputs: " + inputs.size() + " tensors (expected: exactly one, named '" + Oip.INPUT + "')");
    }
    if (!(inputs.getValue(0) instanceof JsonObject input)) throw bad("inputs[0]: expected an object");
    for (String key : input.fieldNames()) {
      if (!INPUT_KEYS.contains(key)) throw bad("inputs[0]: unknown field '" + key + "'");
    }
    Object name = input.getValue("name");
    if (!Oip.INPUT.equals(name)) {
      throw bad("inputs[0].name: " + (name == null ? "missing" : "'" + name + "'") + " (expected: '" + Oip.INPUT + "')");
    }
    Object datatype = input.getValue("datatype");
    if (!"BYTES".equals(datatype)) {
      throw bad("inputs[0].datatype: " + (datatype == null ? "missing" : "'" + datatype + "'") + " (expected: BYTES)");
    }
    long n = shapeCount(input.getValue("shape"), maxTexts);
    Object binarySize = input.getValue("parameters") instanceof JsonObject ip ? ip.getValue("binary_data_size") : null;
    if (input.containsKey("parameters") && !(input.getValue("parameters") instanceof JsonObject)) {
      throw bad("inputs[0].parameters: expected an object");
    }
    List<String> texts;
    if (binarySize != null) {
      if (!(binarySize instanceof Number size) || size.longValue() < 0) {
        throw bad("inputs[0].parameters.binary_data_size: '" + binarySize + "' (expected: bytes >= 0)");
      }
      if (input.containsKey("data")) throw bad("inputs[0]: both data and binary_data_size (expected: one of them)");
      if (binary == null) {
        throw bad("inputs[0].parameters.binary_data_size: no binary data (expected: an Inference-Header-Content-Length "
            + "header and the tensor bytes after the JSON)");
      }
      if (size.longValue() != binary.length()) {
        throw bad("inputs[0].parameters.binary_data_size: " + size.longValue() + " bytes, but " + binary.length()
            + " bytes follow the JSON header");
      }
      try {
        texts = Tensors.decodeBytes(java.nio.ByteBuffer.wrap(binary.getBytes()), n, "inputs[0] binary data");
      } catch (OipFormatException e) {
        throw bad(e.getMessage());
      }
    } else {
      if (binary != null && binary.length() > 0) {
        throw bad("request body: " + binary.length() + " bytes after the JSON header but no input sets binary_data_size");
      }
      if (!(input.getValue("data") instanceof JsonArray data)) {
        throw bad("inputs[0].data: " + (input.containsKey("data") ? "expected an array of strings" : "missing"));
      }
      texts = new ArrayList<>((int) n);
      flatten(data, texts, (int) n);
      if (texts.size() != n) {
        throw bad("inputs[0].data: " + texts.size() + " elements, shape says " + n);
      }
    }
    boolean binaryOutput = Boolean.TRUE.equals(parameters.getValue("binary_data_output"));
    if (json.containsKey("outputs")) {
      if (!(json.getValue("outputs") instanceof JsonArray outs)) throw bad("outputs: expected an array");
      for (int i = 0; i < outs.size(); i++) {
        if (!(outs.getValue(i) instanceof JsonObject o) || !Oip.OUTPUT.equals(o.getValue("name"))) {
          throw bad("outputs[" + i + "]: unknown output (expected: '" + Oip.OUTPUT + "')");
        }
        if (o.getValue("parameters") instanceof JsonObject op && op.containsKey("binary_data")) {
          binaryOutput = Boolean.TRUE.equals(op.getValue("binary_data"));
        }
      }
    }
    return new InferBody(id, texts, parameters, binaryOutput);
  }

  private static long shapeCount(Object shape, int maxTexts) {
    if (!(shape instanceof JsonArray s) || s.isEmpty() || s.size() > 2) {
      throw bad("inputs[0].shape: expected [N] or [N, 1]");
    }
    for (int i = 0; i < s.size(); i++) {
      if (!(s.getValue(i) instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
        throw bad("inputs[0].shape[" + i + "]: expected an integer");
      }
    }
    long n = ((Number) s.getValue(0)).longValue();
    if (s.size() == 2 && ((Number) s.getValue(1)).longValue() != 1) {
      throw bad("inputs[0].shape: " + s.encode() + " (expected: [N] or [N, 1])");
    }
    if (n < 1) throw bad("inputs[0].shape: " + s.encode() + " (expected: at least one text)");
    if (n > maxTexts) throw bad("inputs[0].shape: " + n + " texts (expected: at most " + maxTexts + ", --max-texts)");
    return n;
  }

  private static void flatten(JsonArray data, List<String> out, int limit) {
    for (int i = 0; i < data.size(); i++) {
      Object v = data.getValue(i);
      if (v instanceof JsonArray nested) {
        flatten(nested, out, limit);
      } else if (v instanceof String s) {
        if (s.isEmpty()) throw bad("inputs[0].data[" + out.size() + "]: empty text (expected: at least one character)");
        out.add(s);
      } else {
        throw bad("inputs[0].data[" + out.size() + "]: " + (v == null ? "null" : v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
            + " (expected: a string, datatype BYTES)");
      }
      if (out.size() > limit) throw bad("inputs[0].data: more elements than shape says (" + limit + ")");
    }
  }

  /** The response body; vectors are written flat, row-major, as OIP asks. */
  public static Buffer encodeInfer(String model, String version, String id, JsonObject parameters, float[][] vectors) {
    return encodeInfer(model, version, id, parameters, vectors, false);
  }

  /**
   * The response body; with {@code binaryOutput} the output carries {@code parameters.binary_data_size} instead of
   * {@code data}, and the caller appends {@link Tensors#encodeFp32} after this JSON header.
   */
  public static Buffer encodeInfer(String model, String version, String id, JsonObject parameters, float[][] vectors,
      boolean binaryOutput) {
    int dim = vectors.length == 0 ? 0 : vectors[0].length;
    StringBuilder sb = new StringBuilder(64 + vectors.length * dim * 12);
    sb.append("{\"model_name\":").append(Json.encode(model));
    sb.append(",\"model_version\":").append(Json.encode(version));
    if (id != null) sb.append(",\"id\":").append(Json.encode(id));
    sb.append(",\"parameters\":").append(parameters.encode());
    sb.append(",\"outputs\":[{\"name\":\"").append(Oip.OUTPUT).append("\",\"datatype\":\"FP32\",\"shape\":[")
        .append(vectors.length).append(',').append(dim).append(']');
    if (binaryOutput) {
      sb.append(",\"parameters\":{\"binary_data_size\":").append((long) vectors.length * dim * Float.BYTES)
          .append("}}]}");
      return Buffer.buffer(sb.toString());
    }
    sb.append(",\"data\":[");
    boolean first = true;
    for (float[] v : vectors) {
      for (float x : v) {
        if (!first) sb.append(',');
        first = false;
        sb.append(x);
      }
    }
    sb.append("]}]}");
    return Buffer.buffer(sb.toString());
  }

  public static Buffer error(String message) {
    return new JsonObject().put("error", message).toBuffer();
  }

  static GatewayException.BadRequest bad(String message) {
    return new GatewayException.BadRequest(message);
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
