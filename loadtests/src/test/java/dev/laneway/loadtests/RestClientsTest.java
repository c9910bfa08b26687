package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.protocol.Tensors;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST clients over real HTTP/1.1 on 127.0.0.1 against a small stand-in server that speaks the contracts main does
 * not serve yet (binary tensors, OpenAI): request framing, response parsing, status → reason.
 */
class RestClientsTest {
  private Vertx vertx;
  private HttpServer server;
  private Http http;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject params = new JsonObject().put("lane", "hk-npu").put("executor_ms", 4.0).put("degraded", true)
          .put("region", req.getHeader("x-laneway-region"));
      String hl = req.getHeader(Wire.HEADER_LENGTH);
      if (req.path().equals("/v1/embeddings")) {
        // as the gateway answers: OpenAI's body, Laneway's parameters as x-laneway-* headers
        int n = body.toJsonObject().getJsonArray("input").size();
        JsonArray data = new JsonArray();
        for (int i = 0; i < n; i++) data.add(new JsonObject().put("embedding", new JsonArray().add(0.5)));
        params.forEach(e -> req.response().putHeader("x-laneway-" + e.getKey().replace('_', '-'), String.valueOf(e.getValue())));
        req.response().end(new JsonObject().put("data", data).put("model", body.toJsonObject().getString("model")).toBuffer());
      } else if (req.path().contains("/overloaded/")) {
        req.response().setStatusCode(504).end("{\"error\":\"deadline\"}");
      } else if (req.path().contains("/shed/")) {
        req.response().setStatusCode(429).putHeader("retry-after", "1").end("{\"error\":\"shed\"}");
      } else if (hl != null) {
        byte[] b = body.getBytes();
        int len = Integer.parseInt(hl);
        JsonObject header = new JsonObject(Wire.header(b, len));
        List<String> texts = Tensors.decodeBytes(java.nio.ByteBuffer.wrap(b, len, b.length - len),
            header.getJsonArray("inputs").getJsonObject(0).getJsonArray("shape").getLong(0), "t");
        int size = header.getJsonArray("inputs").getJsonObject(0).getJsonObject("parameters").getInteger("binary_data_size");
        if (size != b.length - len) {
          req.response().setStatusCode(400).end();
          return;
        }
        byte[] tensor = Tensors.encodeFp32(new float[texts.size()][2]);
        String out = new JsonObject().put("parameters", params).put("outputs", new JsonArray().add(new JsonObject()
            .put("name", "embedding").put("datatype", "FP32").put("shape", new JsonArray().add(texts.size()).add(2))
            .put("parameters", new JsonObject().put("binary_data_size", tensor.length)))).encode();
        req.response().putHeader(Wire.HEADER_LENGTH, Integer.toString(out.getBytes(java.nio.charset.StandardCharsets.UTF_8).length))
            .end(Buffer.buffer(Wire.body(out, List.of(tensor))));
      } else {
        int n = body.toJsonObject().getJsonArray("inputs").getJsonObject(0).getJsonArray("data").size();
        if (req.path().contains("/spilled/")) params.put("spilled_from", "hk-npu").put("hedged", true);
        req.response().end(new JsonObject().put("parameters", params.put("executor_ms", null).put("queue_ms", 1.0).put("compute_ms", 2.0))
            .put("outputs", new JsonArray().add(new JsonObject().put("shape", new JsonArray().add(n).add(2)))).toBuffer());
      }
    })).listen(0, "127.0.0.1").await();
    http = new Http("127.0.0.1", server.actualPort(), 5000);
  }

  @AfterEach
  void stop() {
    http.close();
    vertx.close().await();
  }

  private static Request request(String model, int n) {
    return new Request(model, "int8", java.util.Collections.nCopies(n, "héllo 你好"), "hk", "interactive", 1000);
  }

  @Test
  void binary_roundTripsHeaderAndTensor() throws Exception {
    Reply r = new RestBinaryClient(http).infer(request("m", 3)).get(10, TimeUnit.SECONDS);
    assertTrue(r.ok(), "reply: " + r);
    assertEquals("hk-npu", r.lane());
    assertEquals("hk", r.region());
    assertEquals(Boolean.TRUE, r.degraded());
    assertEquals(4.0, r.executorMs());
  }

  @Test
  void json_fallsBackToQueuePlusComputeTime() throws Exception {
    Reply r = new RestJsonClient(http).infer(request("m", 2)).get(10, TimeUnit.SECONDS);
    assertTrue(r.ok(), "reply: " + r);
    assertEquals(2, r.vectors());
    assertEquals(3.0, r.executorMs());
  }

  @Test
  void json_readsSpilledFromAndHedged() throws Exception {
    Reply plain = new RestJsonClient(http).infer(request("m", 1)).get(10, TimeUnit.SECONDS);
    assertEquals(null, plain.spilledFrom(), "absent unless a spill happened");
    assertEquals(null, plain.hedged());
    Reply r = new RestJsonClient(http).infer(request("spilled", 1)).get(10, TimeUnit.SECONDS);
    assertEquals("hk-npu", r.spilledFrom());
    assertEquals(Boolean.TRUE, r.hedged());
  }

  @Test
  void json_failureRecordsRetryAfter() throws Exception {
    Reply shed = new RestJsonClient(http).infer(request("shed", 1)).get(10, TimeUnit.SECONDS);
    assertEquals("http-429", shed.error());
    assertTrue(shed.retryAfter(), "the 429 carried Retry-After");
    assertFalse(new RestJsonClient(http).infer(request("overloaded", 1)).get(10, TimeUnit.SECONDS).retryAfter());
  }

  @Test
  void openAi_countsVectors_andReadsLanewaysHeaders() throws Exception {
    Reply r = new OpenAiClient(http).infer(request("m", 4)).get(10, TimeUnit.SECONDS);
    assertTrue(r.ok(), "reply: " + r);
    assertEquals(4, r.vectors());
    assertEquals("hk-npu", r.lane(), "read from x-laneway-lane");
    assertEquals(4.0, r.executorMs(), "read from x-laneway-executor-ms");
    assertEquals(Boolean.TRUE, r.degraded());
  }

  @Test
  void statusAndConnectFailures_areReasons() throws Exception {
    assertEquals("http-504", new RestJsonClient(http).infer(request("overloaded", 1)).get(10, TimeUnit.SECONDS).error());
    int port = server.actualPort();
    server.close().await();
    Http closed = new Http("127.0.0.1", port, 2000);
    try {
      assertEquals("connect", new RestJsonClient(closed).infer(request("m", 1)).get(10, TimeUnit.SECONDS).error());
    } finally {
      closed.close();
    }
  }
}
