package dev.laneway.loadtests;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * An OIP REST server in this process that computes nothing: {@code POST .../infer} is answered at once with one
 * 384-float vector per text and Laneway's response parameters ({@code executor_ms} 0), the size and shape of a real
 * answer. {@link #warmLoadGenerator} drives it so that the load generator's own request path (encode, HTTP client,
 * JSON parse, recording) is compiled before a step that measures a fresh gateway: otherwise a cold load generator,
 * sharing the machine's cores with the gateway, is measured with it (on 2 cores it took 3.7 ms of CPU per request in
 * its first seconds, against 0.5-0.8 ms warm).
 *
 * <p>Threads: one Vert.x event loop of its own; start and close from one thread.
 */
final class NullOipServer implements AutoCloseable {
  static final int DIMENSION = 384;

  private final Vertx vertx;
  private final HttpServer server;

  private NullOipServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Listens on 127.0.0.1, a free port. */
  static NullOipServer start() {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(false));
    try {
      HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(body -> {
        if (body.failed() || !req.path().endsWith("/infer")) {
          req.response().setStatusCode(404).end();
          return;
        }
        int texts = 1;
        try {
          texts = Math.max(1, new JsonObject(body.result()).getJsonArray("inputs").getJsonObject(0)
              .getJsonArray("shape").getInteger(0));
        } catch (RuntimeException e) {
          req.response().setStatusCode(400).end();
          return;
        }
        req.response().putHeader("content-type", "application/json").end(answer(texts));
      })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      return new NullOipServer(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("null OIP server: cannot listen: " + e.getMessage(), e);
    }
  }

  /** A real answer's shape: {@code texts} unit-scale vectors and Laneway's parameters. */
  static Buffer answer(int texts) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < texts * DIMENSION; i++) data.add((float) Math.sin(i) * 0.1f);
    JsonObject parameters = new JsonObject().put("lane", "null").put("device", "none").put("region", "none")
        .put("variant", "none").put("executor_ms", 0.0).put("queue_ms", 0.0).put("compute_ms", 0.0);
    return new JsonObject().put("model_name", "null").put("parameters", parameters)
        .put("outputs", new JsonArray().add(new JsonObject().put("name", "embedding").put("datatype", "FP32")
            .put("shape", new JsonArray().add(texts).add(DIMENSION)).put("data", data)))
        .toBuffer();
  }

  int port() {
    return server.actualPort();
  }

  /**
   * Sends REST JSON requests of the corpus to a null server at {@code rate}/s for {@code seconds}, unmeasured by the
   * report's steps; the summary of what it sent.
   */
  static JsonObject warmLoadGenerator(BenchContext ctx, double rate, int seconds) {
    try (NullOipServer s = start(); Http http = new Http("127.0.0.1", s.port(), 30_000)) {
      Recording r = ctx.load(new RestJsonClient(http),
          String.format(Locale.ROOT, "load generator warm-up (null server) at %.0f/s", rate), rate, seconds, null, null);
      return BenchContext.summary(r).put("rate", BenchContext.round(rate)).put("seconds", seconds);
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing: nothing to keep
    }
  }
}
