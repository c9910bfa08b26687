package dev.laneway.gateway;

import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The gateway's own requests before it reports ready: OIP REST JSON inferences of every model variant, a few at a
 * time, through the real listener, door, pipeline, lanes and executors, for at most {@code --warm-up}. A fresh JVM
 * interprets the request path until the JIT has compiled it; offered half its capacity at once, a cold gateway queued
 * and timed out requests for its first seconds (issue 19: 134 failures of 4,640, p99 1.2 s). Texts vary in length
 * and never repeat (the embedding cache would otherwise answer them); they are counted in the metrics as tenant
 * {@code anonymous}. Skipped when the policy requires API keys (the gateway holds no clear key to send).
 *
 * <p>Threads: {@link #run} blocks the starting thread; the requests run on a Vert.x client's event loop.
 */
final class SelfWarmUp {
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());
  /** Requests in flight at once: enough to fill a lane's instances and form batches. */
  private static final int CONCURRENCY = 4;
  private static final String[] WORDS = {"lanes", "warm", "the", "gateway", "before", "traffic", "batches", "of",
      "texts", "run", "on", "two", "cores", "embedding", "vectors", "港口", "模型", "向量"};

  private SelfWarmUp() {}

  /** Sends requests to the HTTP listener on {@code host} for at most {@code bound}; returns when all are answered. */
  static void run(Gateway g, Duration bound, String host) {
    String to = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    if (g.routes().current().policy().requireApiKey()) {
      LOG.info("self warm-up skipped: the policy requires API keys");
      return;
    }
    List<String> uris = new ArrayList<>();
    for (ModelSpec m : g.topology().models()) {
      for (VariantSpec v : m.variants()) {
        if (g.lanes().all().stream().anyMatch(l -> l.ready() && l.serves(m.name(), v.name()))) {
          uris.add("/v2/models/" + m.name() + "/versions/" + v.name() + "/infer");
        }
      }
    }
    if (uris.isEmpty()) return;
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(g.tls() != dev.laneway.gateway.security
        .ServerTls.NONE).setTrustAll(true).setVerifyHost(false), new PoolOptions().setHttp1MaxSize(CONCURRENCY));
    long end = System.nanoTime() + bound.toNanos();
    AtomicInteger seq = new AtomicInteger();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    try {
      for (int i = 0; i < CONCURRENCY; i++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loops.add(done);
        vertx.runOnContext(x -> next(client, to, g.httpPort(), uris, end, seq, ok, failed, done));
      }
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new))
          .get(bound.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("self warm-up: " + e);
    } finally {
      Closing.await(client.close(), "the warm-up client");
      Closing.await(vertx.close(), "the warm-up Vert.x");
    }
    LOG.fine("start-up: self warm-up sent " + (ok.get() + failed.get()) + " requests, " + failed.get() + " failed");
  }

  /** Sends one request, and the next when it is answered, until {@code end} (on the client's event loop). */
  private static void next(HttpClient client, String host, int port, List<String> uris, long end, AtomicInteger seq,
      AtomicLong ok, AtomicLong failed, CompletableFuture<Void> done) {
    if (System.nanoTime() >= end || failed.get() > 100) {
      done.complete(null);
      return;
    }
    int n = seq.getAndIncrement();
    JsonArray texts = new JsonArray();
    int count = 1 + n % 3;
    for (int t = 0; t < count; t++) texts.add(text(n * 3 + t));
    JsonObject body = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "text")
        .put("datatype", "BYTES").put("shape", new JsonArray().add(count)).put("data", texts)));
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI(uris.get(n % uris.size())).putHeader("content-type", "application/json");
    Future<Buffer> answer = client.request(ro).compose(r -> r.send(body.toBuffer())
        .compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() != 200) throw new IllegalStateException("HTTP " + resp.statusCode());
          return b;
        })));
    answer.onComplete(r -> {
      (r.succeeded() ? ok : failed).incrementAndGet();
      next(client, host, port, uris, end, seq, ok, failed, done);
    });
  }

  /** A text of 3 to 40 words, different for every {@code n}. */
  static String text(int n) {
    StringBuilder b = new StringBuilder("warm-up ").append(n);
    int words = 3 + (n * 7919) % 38;
    for (int i = 0; i < words; i++) b.append(' ').append(WORDS[(n + i * 31) % WORDS.length]);
    return b.toString();
  }
}
