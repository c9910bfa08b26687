package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Open Inference Protocol over REST against a real gateway with the real models. */
class OipRestTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();

  static String infer(String... texts) {
    JsonArray data = new JsonArray();
    for (String t : texts) data.add(t);
    return new JsonObject().put("id", "req-1").put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "text").put("datatype", "BYTES").put("shape", new JsonArray().add(texts.length))
        .put("data", data))).encode();
  }

  static double norm(JsonArray data, int from, int dim) {
    double s = 0;
    for (int i = from; i < from + dim; i++) s += data.getDouble(i) * data.getDouble(i);
    return Math.sqrt(s);
  }

  @ParameterizedTest
  @CsvSource({"all-minilm-l6-v2, 384, Hello from Hong Kong", "bge-small-zh-v1.5, 512, 你好，香港"})
  void infer_returnsUnitVectorsOfTheModelsDimension(String model, int dim, String text) {
    HttpResponse<String> r = gw.post("/v2/models/" + model + "/infer", infer(text, text + " again"));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("req-1", body.getString("id"));
    assertEquals(model, body.getString("model_name"));
    JsonObject out = body.getJsonArray("outputs").getJsonObject(0);
    assertEquals("embedding", out.getString("name"));
    assertEquals("FP32", out.getString("datatype"));
    assertEquals(new JsonArray().add(2).add(dim), out.getJsonArray("shape"));
    JsonArray data = out.getJsonArray("data");
    assertEquals(2 * dim, data.size());
    assertEquals(1.0, norm(data, 0, dim), 1e-4);
    assertEquals(1.0, norm(data, dim, dim), 1e-4);
    assertTrue(r.headers().firstValue("x-trace-id").orElse("").matches("[0-9a-f]{32}"));
  }

  @Test
  void infer_saysWhereItRanAndThatTheDeviceIsAStandIn() {
    JsonObject p = new JsonObject(gw.post("/v2/models/all-minilm-l6-v2/infer", infer("where am I")).body())
        .getJsonObject("parameters");
    assertEquals("hk-general", p.getString("lane"));
    assertEquals("hk", p.getString("region"));
    assertEquals("hk-gpu0", p.getString("device"));
    assertEquals("fp32", p.getString("variant"));
    assertEquals(false, p.getBoolean("degraded"));
    // no GPU on this machine: the device runs on the CPU provider and must say so
    assertEquals("cpu", p.getString("provider"));
    assertEquals(true, p.getBoolean("stand_in"));
  }

  @Test
  void infer_versionSelectsTheVariant() {
    HttpResponse<String> r = gw.post("/v2/models/all-minilm-l6-v2/versions/int8/infer", infer("quantized"));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("int8", new JsonObject(r.body()).getString("model_version"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{not json                                                                  | malformed JSON",
      "[1,2]                                                                      | expected a JSON object",
      "{}                                                                         | inputs: missing",
      "{\"inputs\":[]}                                                            | exactly one",
      "{\"inputs\":[{\"name\":\"txt\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}]} | 'txt'",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[\"a\"]}]} | expected: BYTES",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[2],\"data\":[\"a\"]}]} | 1 elements, shape says 2",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[0],\"data\":[]}]}     | at least one text",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[7]}]}    | expected: a string",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"\"]}]} | empty text",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[99999999],\"data\":[]}]} | at most",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1,2],\"data\":[\"a\",\"b\"]}]} | [N] or [N, 1]",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}],\"outputs\":[{\"name\":\"x\"}]} | unknown output",
      "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}],\"parameters\":{\"latency_class\":\"urgent\"}} | latency_class",
  })
  void infer_badInputIs400WithAReason(String body, String expected) {
    HttpResponse<String> r = gw.post("/v2/models/all-minilm-l6-v2/infer", body);
    assertEquals(400, r.statusCode(), r.body());
    String error = new JsonObject(r.body()).getString("error");
    assertTrue(error.contains(expected.trim()), error);
  }

  /**
   * {@code curl -d} sends JSON labelled {@code application/x-www-form-urlencoded}, and {@code Expect: 100-continue}
   * for bodies over 1 KiB: both must be served, not refused as a malformed form.
   */
  @Test
  void aLargeJsonBodySentAsCurlSendsItIsServed() {
    String text = "a sentence long enough that the request body passes two kibibytes. ".repeat(60);
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(gw.uri("/v2/models/all-minilm-l6-v2/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(infer(text)))
        .header("content-type", "application/x-www-form-urlencoded").timeout(java.time.Duration.ofSeconds(30)).build());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(384, new JsonObject(r.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("shape").getInteger(1));
  }

  /**
   * Interactive int8 from Hong Kong goes to the NPU lane first, whose static shapes stop at 128 tokens: a longer text
   * is served by the general lane in the same request (degraded), not refused.
   */
  @Test
  void aTextTooLongForTheNpuShapes_fallsBackToAGeneralLane() {
    String longText = "Laneway routes each request into a lane by model, class and region. ".repeat(20);
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(gw.uri("/v2/models/all-minilm-l6-v2/versions/int8/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(infer(longText))).header("x-laneway-latency-class", "interactive")
        .header("x-laneway-region", "hk").header("cache-control", "no-cache")
        .timeout(java.time.Duration.ofSeconds(30)).build());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject p = new JsonObject(r.body()).getJsonObject("parameters");
    assertEquals("hk-general", p.getString("lane"), p.encode());
    assertEquals(true, p.getBoolean("degraded"), p.encode());
    assertEquals(2, p.getInteger("attempts"), p.encode());
  }

  /** Triton's priority picks the latency class when none is named; a named class wins. */
  @Test
  void priorityOneIsInteractive_unlessAClassIsNamed() {
    JsonObject body = new JsonObject(infer("urgent")).put("parameters", new JsonObject().put("priority", 1));
    JsonObject p = new JsonObject(gw.post("/v2/models/all-minilm-l6-v2/infer", body.encode()).body())
        .getJsonObject("parameters");
    assertEquals("interactive", p.getString("latency_class"), p.encode());
    body.getJsonObject("parameters").put("priority", 5);
    assertEquals("batch", new JsonObject(gw.post("/v2/models/all-minilm-l6-v2/infer", body.encode()).body())
        .getJsonObject("parameters").getString("latency_class"));
    body.getJsonObject("parameters").put("latency_class", "standard");
    assertEquals("standard", new JsonObject(gw.post("/v2/models/all-minilm-l6-v2/infer", body.encode()).body())
        .getJsonObject("parameters").getString("latency_class"));
  }

  @Test
  void unknownModelOrVersionIs404() {
    HttpResponse<String> r = gw.post("/v2/models/gpt-9/infer", infer("x"));
    assertEquals(404, r.statusCode());
    assertTrue(new JsonObject(r.body()).getString("error").contains("gpt-9"));
    assertEquals(404, gw.post("/v2/models/all-minilm-l6-v2/versions/fp64/infer", infer("x")).statusCode());
    assertEquals(404, gw.get("/v2/models/nope").statusCode());
  }

  @Test
  void bodyOverTheLimitIs413() {
    String big = "x".repeat(17 << 20);
    HttpResponse<String> r = gw.post("/v2/models/all-minilm-l6-v2/infer", big);
    assertEquals(413, r.statusCode());
    assertTrue(new JsonObject(r.body()).getString("error").contains("--max-body-bytes"));
  }

  @Test
  void healthAndServerMetadata() {
    assertEquals(200, gw.get("/v2/health/live").statusCode());
    assertEquals(200, gw.get("/v2/health/ready").statusCode());
    JsonObject md = new JsonObject(gw.get("/v2").body());
    assertEquals("laneway", md.getString("name"));
    assertTrue(md.containsKey("extensions"));
  }

  @Test
  void modelMetadataAndReadiness() {
    JsonObject md = new JsonObject(gw.get("/v2/models/bge-small-zh-v1.5").body());
    assertEquals("bge-small-zh-v1.5", md.getString("name"));
    assertEquals(new JsonArray().add("fp32").add("int8"), md.getJsonArray("versions"));
    assertEquals(new JsonArray().add(-1).add(512), md.getJsonArray("outputs").getJsonObject(0).getJsonArray("shape"));
    assertEquals("BYTES", md.getJsonArray("inputs").getJsonObject(0).getString("datatype"));
    assertTrue(md.getJsonObject("parameters").getString("lanes").contains("\"stand_in\":true"));
    assertEquals(200, gw.get("/v2/models/bge-small-zh-v1.5/ready").statusCode());
    assertEquals(200, gw.get("/v2/models/bge-small-zh-v1.5/versions/int8/ready").statusCode());
    assertEquals(404, gw.get("/v2/models/bge-small-zh-v1.5/versions/fp16/ready").statusCode());
  }

  @Test
  void unknownPathIs404InTheOipErrorShape() {
    HttpResponse<String> r = gw.get("/v2/nothing/here");
    assertEquals(404, r.statusCode());
    assertTrue(new JsonObject(r.body()).containsKey("error"));
  }
}
