package dev.laneway.loadtests;

import dev.laneway.protocol.Oip;
import dev.laneway.protocol.Tensors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * OIP REST with Triton's binary tensor extension: the JSON header names the input with {@code binary_data_size}, the
 * texts follow as a raw BYTES tensor ({@link Wire}), and the output is asked for as binary. Thread-safe.
 */
public final class RestBinaryClient implements InferClient {
  private final Http http;

  public RestBinaryClient(Http http) {
    this.http = http;
  }

  @Override
  public String name() {
    return "rest-binary";
  }

  /** The binary body and the length of its JSON header. */
  static Buffer body(Request r, int[] headerLength) {
    byte[] tensor = Tensors.encodeBytes(r.texts());
    JsonObject header = new JsonObject()
        .put("parameters", RestJsonClient.parameters(r))
        .put("inputs", new JsonArray().add(new JsonObject().put("name", Oip.INPUT).put("datatype", Oip.BYTES)
            .put("shape", new JsonArray().add(r.texts().size()))
            .put("parameters", new JsonObject().put("binary_data_size", tensor.length))))
        .put("outputs", new JsonArray().add(new JsonObject().put("name", Oip.OUTPUT)
            .put("parameters", new JsonObject().put("binary_data", true))));
    String h = header.encode();
    headerLength[0] = h.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    return Buffer.buffer(Wire.body(h, List.of(tensor)));
  }

  @Override
  public CompletableFuture<Reply> infer(Request r) {
    int[] len = new int[1];
    Buffer body = body(r, len);
    var headers = Http.headers(r).add("content-type", "application/octet-stream")
        .add(Wire.HEADER_LENGTH, Integer.toString(len[0]));
    return http.send(HttpMethod.POST, RestJsonClient.inferUri(r), headers, body).handle((resp, failure) -> {
      if (failure != null) return Reply.failed(Http.reason(failure));
      if (resp.status() != 200) return Reply.failed("http-" + resp.status());
      try {
        String hl = resp.headers().get(Wire.HEADER_LENGTH);
        byte[] bytes = resp.body().getBytes();
        String json = hl == null ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
            : Wire.header(bytes, Integer.parseInt(hl.trim()));
        return OipReplies.fromJson(new JsonObject(json));
      } catch (RuntimeException e) {
        return Reply.failed("bad-response");
      }
    });
  }

  @Override
  public void close() {}

}
