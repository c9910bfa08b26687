package dev.laneway.loadtests;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * OpenAI embeddings: {@code POST /v1/embeddings {"model": M, "input": [...]}}. OpenAI's API has no versions, so the
 * gateway picks the model's default variant; Laneway's {@code parameters}, when the answer carries them, are read as
 * for OIP. Thread-safe.
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
    JsonObject body = new JsonObject().put("model", r.model()).put("input", new JsonArray(r.texts()));
    var headers = Http.headers(r).add("content-type", "application/json");
    return http.send(HttpMethod.POST, "/v1/embeddings", headers, body.toBuffer()).handle((resp, failure) -> {
      if (failure != null) return Reply.failed(Http.reason(failure));
      if (resp.status() != 200) return Reply.failed("http-" + resp.status());
      try {
        JsonObject json = resp.json();
        JsonArray data = json.getJsonArray("data", new JsonArray());
        if (!json.containsKey("parameters")) return new Reply(null, null, null, null, null, null, null, Double.NaN, data.size());
        Reply p = OipReplies.fromJson(json);
        return new Reply(null, p.lane(), p.device(), p.region(), p.degraded(), p.standIn(), p.cache(), p.executorMs(),
            data.size());
      } catch (RuntimeException e) {
        return Reply.failed("bad-response");
      }
    });
  }

  @Override
  public void close() {}
}
