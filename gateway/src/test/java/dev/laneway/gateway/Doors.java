package dev.laneway.gateway;

import dev.laneway.gateway.openai.OpenAiApi;
import com.google.protobuf.ByteString;
import dev.laneway.oip.GRPCInferenceServiceGrpc;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.protocol.Tensors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Test clients for every door, each returning vectors and the routing parameters as strings. */
final class Doors {
  /** What a door answered. */
  record Result(float[][] vectors, Map<String, String> parameters) {}

  private static final java.net.http.HttpClient BINARY_CLIENT = java.net.http.HttpClient.newHttpClient();

  private Doors() {}

  static String oipJson(List<String> texts) {
    JsonArray data = new JsonArray();
    texts.forEach(data::add);
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "text")
        .put("datatype", "BYTES").put("shape", new JsonArray().add(texts.size())).put("data", data))).encode();
  }

  static Result rest(GatewayExtension gw, String model, List<String> texts, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/v2/models/" + model + "/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(oipJson(texts))).timeout(Duration.ofSeconds(60));
    headers.forEach(b::header);
    HttpResponse<String> r = gw.send(b.build());
    if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + r.body());
    JsonObject body = new JsonObject(r.body());
    JsonObject out = body.getJsonArray("outputs").getJsonObject(0);
    int n = out.getJsonArray("shape").getInteger(0);
    int dim = out.getJsonArray("shape").getInteger(1);
    float[][] v = new float[n][dim];
    JsonArray data = out.getJsonArray("data");
    for (int i = 0; i < n * dim; i++) v[i / dim][i % dim] = data.getFloat(i);
    return new Result(v, strings(body.getJsonObject("parameters").getMap()));
  }

  /** The binary form of a request: JSON header, then the BYTES tensor; the answer asked for in binary too. */
  static byte[] binaryRequest(List<String> texts, byte[] tensor) {
    byte[] json = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "text")
            .put("datatype", "BYTES").put("shape", new JsonArray().add(texts.size()))
            .put("parameters", new JsonObject().put("binary_data_size", tensor.length))))
        .put("outputs", new JsonArray().add(new JsonObject().put("name", "embedding")
            .put("parameters", new JsonObject().put("binary_data", true))))
        .encode().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(json.length + tensor.length).put(json).put(tensor).array();
  }

  static int headerLength(List<String> texts, byte[] tensor) {
    return binaryRequest(texts, tensor).length - tensor.length;
  }

  static HttpResponse<byte[]> restBinaryRaw(GatewayExtension gw, String model, byte[] body, String headerLength,
      Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/v2/models/" + model + "/infer"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("content-type", "application/octet-stream")
        .header("Inference-Header-Content-Length", headerLength).timeout(Duration.ofSeconds(60));
    headers.forEach(b::header);
    try {
      return BINARY_CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Result restBinary(GatewayExtension gw, String model, List<String> texts, Map<String, String> headers) {
    byte[] tensor = Tensors.encodeBytes(texts);
    HttpResponse<byte[]> r = restBinaryRaw(gw, model, binaryRequest(texts, tensor),
        Integer.toString(headerLength(texts, tensor)), headers);
    if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
    int jsonLength = Integer.parseInt(r.headers().firstValue("inference-header-content-length").orElseThrow());
    JsonObject body = new JsonObject(new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8));
    JsonObject out = body.getJsonArray("outputs").getJsonObject(0);
    int n = out.getJsonArray("shape").getInteger(0);
    int dim = out.getJsonArray("shape").getInteger(1);
    if (out.getJsonObject("parameters").getLong("binary_data_size") != (long) n * dim * 4 || out.containsKey("data")) {
      throw new AssertionError("binary output expected: " + out);
    }
    ByteBuffer b = ByteBuffer.wrap(r.body(), jsonLength, r.body().length - jsonLength).slice().order(ByteOrder.LITTLE_ENDIAN);
    float[][] v = new float[n][dim];
    for (int i = 0; i < n * dim; i++) v[i / dim][i % dim] = b.getFloat();
    return new Result(v, strings(body.getJsonObject("parameters").getMap()));
  }

  static Result grpc(ManagedChannel channel, String model, List<String> texts, boolean raw, Map<String, String> headers) {
    Metadata md = new Metadata();
    headers.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder().setName("text")
        .setDatatype("BYTES").addShape(texts.size());
    ModelInferRequest.Builder req = ModelInferRequest.newBuilder().setModelName(model);
    if (raw) {
      req.addInputs(in).addRawInputContents(ByteString.copyFrom(Tensors.encodeBytes(texts)));
    } else {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      texts.forEach(t -> c.addBytesContents(ByteString.copyFromUtf8(t)));
      req.addInputs(in.setContents(c));
    }
    ModelInferResponse r = stub.modelInfer(req.build());
    int n = (int) r.getOutputs(0).getShape(0);
    int dim = (int) r.getOutputs(0).getShape(1);
    float[][] v = new float[n][dim];
    if (raw) {
      ByteBuffer b = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n * dim; i++) v[i / dim][i % dim] = b.getFloat();
    } else {
      for (int i = 0; i < n * dim; i++) v[i / dim][i % dim] = r.getOutputs(0).getContents().getFp32Contents(i);
    }
    Map<String, String> p = new HashMap<>();
    r.getParametersMap().forEach((k, x) -> p.put(k, switch (x.getParameterChoiceCase()) {
      case BOOL_PARAM -> String.valueOf(x.getBoolParam());
      case INT64_PARAM -> String.valueOf(x.getInt64Param());
      case DOUBLE_PARAM -> String.valueOf(x.getDoubleParam());
      case UINT64_PARAM -> String.valueOf(x.getUint64Param());
      case STRING_PARAM -> x.getStringParam();
      case PARAMETERCHOICE_NOT_SET -> "";
    }));
    return new Result(v, p);
  }

  static HttpResponse<String> openAiRaw(GatewayExtension gw, String body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/v1/embeddings"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
        .timeout(Duration.ofSeconds(60));
    headers.forEach(b::header);
    return gw.send(b.build());
  }

  static Result openAi(GatewayExtension gw, String model, List<String> texts, Map<String, String> headers) {
    HttpResponse<String> r = openAiRaw(gw, new JsonObject().put("model", model).put("input", new JsonArray(texts))
        .encode(), headers);
    if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + r.body());
    JsonArray data = new JsonObject(r.body()).getJsonArray("data");
    float[][] v = new float[data.size()][];
    for (int i = 0; i < data.size(); i++) {
      JsonArray e = data.getJsonObject(i).getJsonArray("embedding");
      v[data.getJsonObject(i).getInteger("index")] = new float[e.size()];
      for (int j = 0; j < e.size(); j++) v[data.getJsonObject(i).getInteger("index")][j] = e.getFloat(j);
    }
    Map<String, String> p = new HashMap<>();
    r.headers().map().forEach((k, vs) -> {
      if (k.startsWith(OpenAiApi.PARAMETER_HEADER_PREFIX)) {
        p.put(k.substring(OpenAiApi.PARAMETER_HEADER_PREFIX.length()).replace('-', '_'), vs.get(0));
      }
    });
    return new Result(v, p);
  }

  static Map<String, String> strings(Map<String, Object> m) {
    Map<String, String> p = new HashMap<>();
    m.forEach((k, v) -> p.put(k, String.valueOf(v)));
    return p;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  /** Texts computed by every lane's executor so far. */
  static long inferences(Gateway g) {
    long n = 0;
    for (var lane : g.lanes().all()) n += lane.computedTexts();
    return n;
  }
}
