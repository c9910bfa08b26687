package dev.laneway.loadtests;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/** OIP REST JSON: {@code POST /v2/models/{m}[/versions/{v}]/infer} with a BYTES {@code text} input. Thread-safe. */
public final class RestJsonClient implements InferClient {
  private final Http http;

  public RestJsonClient(Http http) {
    this.http = http;
  }

  @Override
  public String name() {
    return "rest-json";
  }

  static String inferUri(Request r) {
    return "/v2/models/" + r.model() + (r.version() == null ? "" : "/versions/" + r.version()) + "/infer";
  }

  static JsonObject parameters(Request r) {
    JsonObject p = new JsonObject();
    if (r.timeoutMicros() > 0) p.put("timeout", r.timeoutMicros());
    return p;
  }

  @Override
  public CompletableFuture<Reply> infer(Request r) {
    JsonObject body = new JsonObject()
        .put("parameters", parameters(r))
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "text").put("datatype", "BYTES")
            .put("shape", new JsonArray().add(r.texts().size())).put("data", new JsonArray(r.texts()))));
    var headers = Http.headers(r).add("content-type", "application/json");
    return http.send(HttpMethod.POST, inferUri(r), headers, body.toBuffer()).handle((resp, failure) -> {
      if (failure != null) return Reply.failed(Http.reason(failure));
      if (resp.status() != 200) return Reply.failed("http-" + resp.status(), resp.headers().contains("retry-after"));
      try {
        return OipReplies.fromJson(resp.json());
      } catch (RuntimeException e) {
        return Reply.failed("bad-response");
      }
    });
  }

  @Override
  public void close() {}

}
