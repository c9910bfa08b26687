package dev.laneway.loadtests;

import dev.laneway.base.ModelKey;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * OpenAI embeddings: {@code POST /v1/embeddings {"model": M, "input": [...]}}, with {@code M} as {@code MODEL:VARIANT}
 * when the request names a variant (OpenAI's API has no version field; the gateway reads the suffix), so this door runs
 * the same variant as the others. Laneway's parameters come back as {@code x-laneway-*} headers (the body is exactly
 * OpenAI's) and are read from there. Thread-safe.
 */
public final class OpenAiClient implements InferClient {
  private final Http http;

  public OpenAiClient(Http http) {
    this.http = http;
  }

  @Override
  public String name() {
    return "openai";
  }

  @Override
  public CompletableFuture<Reply> infer(Request r) {
    String model = r.version() == null || r.version().isEmpty() ? r.model() : ModelKey.of(r.model(), r.version()).toString();
    JsonObject body = new JsonObject().put("model", model).put("input", new JsonArray(r.texts()));
    var headers = Http.headers(r).add("content-type", "application/json");
    return http.send(HttpMethod.POST, "/v1/embeddings", headers, body.toBuffer()).handle((resp, failure) -> {
      if (failure != null) return Reply.failed(Http.reason(failure));
      if (resp.status() != 200) return Reply.failed("http-" + resp.status());
      try {
        JsonObject json = resp.json();
        JsonArray data = json.getJsonArray("data", new JsonArray());
        JsonObject usage = json.getJsonObject("usage", new JsonObject());
        MultiMap h = resp.headers();
        String executorMs = h.get("x-laneway-executor-ms");
        return new Reply(null, h.get("x-laneway-lane"), h.get("x-laneway-device"), h.get("x-laneway-region"),
            bool(h.get("x-laneway-degraded")), bool(h.get("x-laneway-stand-in")), h.get("x-laneway-cache"),
            executorMs == null ? Double.NaN : Double.parseDouble(executorMs), data.size(), null, null, false,
            usage.getLong("prompt_tokens", 0L));
      } catch (RuntimeException e) {
        return Reply.failed("bad-response");
      }
    });
  }

  private static Boolean bool(String v) {
    return v == null ? null : Boolean.valueOf(v);
  }

  @Override
  public void close() {}
}
