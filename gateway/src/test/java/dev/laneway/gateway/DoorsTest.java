package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.laneway.protocol.Tensors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every door gives the same answer through the same dispatch path; independent clients for gRPC and OpenAI. */
class DoorsTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();
  static final String MINILM = "all-minilm-l6-v2";
  static final Map<String, String> NO_CACHE = Map.of("cache-control", "no-cache");
  static ManagedChannel channel;

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", gw.gateway().grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-zh-v1.5"})
  void everyDoor_sameVectorsAndSameRoutingParameters(String model) {
    List<String> texts = List.of("Every door, one path", "每一扇门，同一条路", "x");
    Map<String, Doors.Result> results = new LinkedHashMap<>();
    results.put("rest", Doors.rest(gw, model, texts, NO_CACHE));
    results.put("rest_binary", Doors.restBinary(gw, model, texts, NO_CACHE));
    results.put("grpc", Doors.grpc(channel, model, texts, false, NO_CACHE));
    results.put("grpc_raw", Doors.grpc(channel, model, texts, true, NO_CACHE));
    results.put("openai", Doors.openAi(gw, model, texts, NO_CACHE));
    Doors.Result ref = results.get("rest");
    List<String> routing = List.of("lane", "region", "device", "provider", "stand_in", "variant", "degraded",
        "attempts", "latency_class", "priority", "client_region", "cache", "cache_hits");
    results.forEach((door, r) -> {
      assertEquals(texts.size(), r.vectors().length, door);
      for (int i = 0; i < texts.size(); i++) {
        // JSON carries floats as decimal text; binary forms are exact
        for (int j = 0; j < r.vectors()[i].length; j++) {
          assertEquals(ref.vectors()[i][j], r.vectors()[i][j], 1e-6, door + " text " + i + " [" + j + "]");
        }
      }
      for (String k : routing) assertEquals(ref.parameters().get(k), r.parameters().get(k), door + ": " + k);
      assertEquals("bypass", r.parameters().get("cache"), door);
    });
  }

  @Test
  void langChain4jOpenAiClient_getsTheOipVectors() {
    OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder()
        .baseUrl("http://127.0.0.1:" + gw.gateway().httpPort() + "/v1").apiKey("not-checked")
        .modelName(MINILM).maxRetries(0).build();
    List<String> texts = List.of("LangChain4j talks to Laneway", "as if it were OpenAI", "香港");
    Response<List<Embedding>> r = client.embedAll(texts.stream().map(TextSegment::from).toList());
    Doors.Result oip = Doors.rest(gw, MINILM, texts, Map.of());
    assertEquals(texts.size(), r.content().size());
    for (int i = 0; i < texts.size(); i++) {
      assertTrue(Doors.cosine(r.content().get(i).vector(), oip.vectors()[i]) >= 0.9999, "text " + i);
    }
    assertTrue(r.tokenUsage().inputTokenCount() > texts.size(), "real token counts, special tokens included");
  }

  @Test
  void openAi_base64Usage_dimensions_models() {
    HttpResponse<String> f = Doors.openAiRaw(gw, new JsonObject().put("model", MINILM).put("input", "one text")
        .put("user", "u-1").encode(), Map.of());
    HttpResponse<String> b = Doors.openAiRaw(gw, new JsonObject().put("model", MINILM).put("input", "one text")
        .put("encoding_format", "base64").put("dimensions", 384).encode(), Map.of());
    assertEquals(200, f.statusCode(), f.body());
    assertEquals(200, b.statusCode(), b.body());
    JsonObject fb = new JsonObject(f.body());
    assertEquals("list", fb.getString("object"));
    assertEquals(MINILM, fb.getString("model"));
    // [CLS] one text [SEP]
    assertEquals(4, fb.getJsonObject("usage").getInteger("prompt_tokens"));
    assertEquals(4, fb.getJsonObject("usage").getInteger("total_tokens"));
    JsonArray floats = fb.getJsonArray("data").getJsonObject(0).getJsonArray("embedding");
    ByteBuffer raw = ByteBuffer.wrap(Base64.getDecoder().decode(
        new JsonObject(b.body()).getJsonArray("data").getJsonObject(0).getString("embedding"))).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(384 * 4, raw.remaining());
    for (int i = 0; i < 384; i++) assertEquals(floats.getFloat(i), raw.getFloat(), 1e-6);
    assertTrue(f.headers().firstValue("x-laneway-lane").isPresent());

    HttpResponse<String> d = Doors.openAiRaw(gw, new JsonObject().put("model", MINILM).put("input", "x")
        .put("dimensions", 128).encode(), Map.of());
    assertEquals(400, d.statusCode());
    JsonObject err = new JsonObject(d.body()).getJsonObject("error");
    assertEquals("dimensions", err.getString("param"));
    assertEquals("invalid_request_error", err.getString("type"));
    assertTrue(err.getString("message").contains("384"), err.getString("message"));

    JsonObject models = new JsonObject(gw.get("/v1/models").body());
    assertTrue(models.getJsonArray("data").stream().anyMatch(m -> ((JsonObject) m).getString("id").equals(MINILM)));
    assertTrue(models.getJsonArray("data").stream().anyMatch(m -> ((JsonObject) m).getString("id").equals(MINILM + ":int8")));

    // OpenAI's API has no version field: MODEL:VARIANT picks one
    HttpResponse<String> v = Doors.openAiRaw(gw, new JsonObject().put("model", MINILM + ":int8").put("input", "one text")
        .encode(), Map.of());
    assertEquals(200, v.statusCode(), v.body());
    assertEquals("int8", v.headers().firstValue("x-laneway-variant").orElse(null));
    assertEquals(MINILM + ":int8", new JsonObject(v.body()).getString("model"));
    HttpResponse<String> unknown = Doors.openAiRaw(gw, new JsonObject().put("model", MINILM + ":int4").put("input", "x")
        .encode(), Map.of());
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertTrue(new JsonObject(unknown.body()).getJsonObject("error").getString("message").contains("int4"), unknown.body());
  }

  @Test
  void openAi_badInputGetsOpenAiErrors_andTheServerKeepsServing() {
    Map<String, String> bad = Map.of(
        "{\"model\":\"all-minilm-l6-v2\"}", "input",
        "{\"model\":\"all-minilm-l6-v2\",\"input\":[[101,102]]}", "input",
        "{\"model\":\"all-minilm-l6-v2\",\"input\":\"x\",\"encoding_format\":\"int8\"}", "encoding_format",
        "{\"input\":\"x\"}", "model",
        "{\"model\":\"all-minilm-l6-v2:\",\"input\":\"x\"}", "model",
        "{\"model\":\"all-minilm-l6-v2\",\"input\":[]}", "input",
        "{\"model\":\"all-minilm-l6-v2\",\"input\":", "");
    bad.forEach((body, param) -> {
      HttpResponse<String> r = Doors.openAiRaw(gw, body, Map.of());
      assertEquals(400, r.statusCode(), body + " → " + r.body());
      JsonObject err = new JsonObject(r.body()).getJsonObject("error");
      assertEquals("invalid_request_error", err.getString("type"), body);
      if (param.isEmpty()) {
        assertNull(err.getString("param"), body);
      } else {
        assertEquals(param, err.getString("param"), body);
      }
    });
    HttpResponse<String> r = Doors.openAiRaw(gw, "{\"model\":\"no-such\",\"input\":\"x\"}", Map.of());
    assertEquals(404, r.statusCode());
    assertEquals("model_not_found", new JsonObject(r.body()).getJsonObject("error").getString("code"));
    assertEquals(1, Doors.openAi(gw, MINILM, List.of("still serving"), Map.of()).vectors().length);
  }

  @Test
  void restBinary_badInputGets400_andTheServerKeepsServing() {
    List<String> texts = List.of("abc", "défg");
    byte[] tensor = Tensors.encodeBytes(texts);
    byte[] good = Doors.binaryRequest(texts, tensor);
    String h = Integer.toString(Doors.headerLength(texts, tensor));
    byte[] badUtf8Tensor = {2, 0, 0, 0, (byte) 0xC3, (byte) 0x28, 1, 0, 0, 0, 'x'};
    Map<String, Object[]> bad = new LinkedHashMap<>();
    bad.put("truncated body", new Object[] {java.util.Arrays.copyOf(good, good.length - 3), h});
    bad.put("header length beyond the body", new Object[] {good, Integer.toString(good.length + 10)});
    bad.put("header length not a number", new Object[] {good, "twelve"});
    bad.put("header length cuts the JSON", new Object[] {good, "10"});
    bad.put("invalid UTF-8", new Object[] {Doors.binaryRequest(texts, badUtf8Tensor),
        Integer.toString(Doors.headerLength(texts, badUtf8Tensor))});
    byte[] oneElement = Tensors.encodeBytes(List.of("abc"));
    bad.put("fewer elements than shape", new Object[] {Doors.binaryRequest(texts, oneElement),
        Integer.toString(Doors.headerLength(texts, oneElement))});
    bad.forEach((what, c) -> {
      HttpResponse<byte[]> r = Doors.restBinaryRaw(gw, MINILM, (byte[]) c[0], (String) c[1], Map.of());
      String body = new String(r.body(), StandardCharsets.UTF_8);
      assertEquals(400, r.statusCode(), what + ": " + body);
      assertTrue(new JsonObject(body).getString("error").length() > 0, what);
    });
    assertEquals(2, Doors.restBinary(gw, MINILM, texts, Map.of()).vectors().length);
  }

  @Test
  void restAndOpenAi_overHttp2() throws Exception {
    java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    // the first request upgrades the connection (h2c); the next ones are HTTP/2
    h2.send(java.net.http.HttpRequest.newBuilder(gw.uri("/v2/health/ready")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> rest = h2.send(java.net.http.HttpRequest.newBuilder(gw.uri("/v2/models/" + MINILM + "/infer"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of("over h2")))).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> openai = h2.send(java.net.http.HttpRequest.newBuilder(gw.uri("/v1/embeddings"))
        .header("content-type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MINILM + "\",\"input\":\"over h2\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(java.net.http.HttpClient.Version.HTTP_2, rest.version());
    assertEquals(200, rest.statusCode(), rest.body());
    assertEquals(java.net.http.HttpClient.Version.HTTP_2, openai.version());
    assertEquals(200, openai.statusCode(), openai.body());
  }

  @Test
  void restJson_badInputGets400() {
    String unknownTensor = Doors.oipJson(List.of("x")).replace("\"text\"", "\"input_ids\"");
    String wrongType = Doors.oipJson(List.of("x")).replace("BYTES", "FP32");
    String huge = Doors.oipJson(List.of("x")).replace("\"shape\":[1]", "\"shape\":[1099511627776]");
    for (String body : List.of(unknownTensor, wrongType, huge)) {
      HttpResponse<String> r = gw.post("/v2/models/" + MINILM + "/infer", body);
      assertEquals(400, r.statusCode(), body + " → " + r.body());
    }
    JsonArray ext = new JsonObject(gw.get("/v2").body()).getJsonArray("extensions");
    assertTrue(ext.contains("binary_tensor_data"), ext.encode());
  }
}
