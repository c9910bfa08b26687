package dev.laneway.gateway;

import dev.laneway.base.ModelKey;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.remote.RemoteNodes;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.protocol.Embeddings;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.Parameters;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The gateway's own requests before it reports ready: inferences of every model variant, a few at a time, through the
 * real listener, door, pipeline, lanes and executors, until each variant has answered {@code --warm-up-requests} of
 * them (4), for at most {@code --warm-up} (1 s). The first request a restarted gateway served without it cost 107-159
 * ms (first uses along the whole path: class initialisation, lazy state), the next ones 10-24 ms: a few requests take
 * that cost off the first callers' requests (17-24 ms after them), and running the whole second (about 50 requests)
 * made no difference the spread between restarts could show (docs/issue-19.md, "The self warm-up by count"). A
 * fresh JVM interprets the request path until the JIT has compiled it; offered half its capacity at once, a cold
 * gateway queued and timed out requests for its first seconds (issue 19: 134 failures of 4,640, p99 1.2 s). A
 * gateway sends itself OIP REST JSON; a node (whose callers are gateways' remote lanes) sends itself OIP gRPC {@code
 * ModelInfer} naming each of its lanes, as a gateway does: on a node left cold, a gateway's remote lane paid 9 ms
 * p50 over an in-process lane at 5 requests a second, and 3 ms once the node had served 2,000 requests ({@code
 * bench regions}, issue 19). Texts vary in length and never repeat (the embedding cache would otherwise answer them);
 * they are counted in the metrics as tenant {@code anonymous}. Skipped when the policy requires API keys (the gateway
 * holds no clear key to send), and on a node whose gRPC listener requires client certificates (it holds none to
 * present).
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

  /**
   * Sends requests to the listener on {@code --host} for at most {@code --warm-up}; returns when all are answered.
   * {@code node}: over gRPC, naming the node's lanes.
   */
  static void run(Gateway g, GatewayOptions options, boolean node) {
    String host = options.host();
    Duration bound = options.warmUp();
    String to = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    if (g.routes().current().policy().requireApiKey()) {
      LOG.info("self warm-up skipped: the policy requires API keys");
      return;
    }
    Vertx vertx = Vertx.vertx();
    boolean tls = g.tls() != dev.laneway.gateway.security.ServerTls.NONE;
    Sender sender = node ? grpc(g, vertx, to, tls, options.tlsClientCa() != null) : rest(g, vertx, to, tls);
    if (sender == null) {
      Closing.await(vertx.close(), "the warm-up Vert.x");
      return;
    }
    long end = System.nanoTime() + bound.toNanos();
    // the senders go round their targets in order: after requests × targets sends, each target has had its share
    int limit = options.warmUpRequests() == 0 ? Integer.MAX_VALUE
        : (int) Math.min(Integer.MAX_VALUE, (long) options.warmUpRequests() * sender.targets());
    AtomicInteger seq = new AtomicInteger();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    try {
      for (int i = 0; i < CONCURRENCY; i++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loops.add(done);
        vertx.runOnContext(x -> next(sender, end, limit, seq, ok, failed, done));
      }
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new))
          .get(bound.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("self warm-up: " + e);
    } finally {
      Closing.await(sender.close(), "the warm-up client");
      Closing.await(vertx.close(), "the warm-up Vert.x");
    }
    LOG.fine("start-up: self warm-up sent " + (ok.get() + failed.get()) + " requests over "
        + (node ? "gRPC" : "REST") + ", " + failed.get() + " failed");
  }

  /** One kind of warm-up request: {@link #send} the {@code n}th; {@link #close} the client. */
  private interface Sender {
    Future<?> send(int n);

    /** How many targets {@link #send} goes round (the {@code n}th request goes to target {@code n % targets()}). */
    int targets();

    Future<Void> close();
  }

  /** OIP REST JSON to the gateway's HTTP listener, by model and variant (the policy routes them). */
  private static Sender rest(Gateway g, Vertx vertx, String host, boolean tls) {
    List<String> uris = new ArrayList<>();
    for (ModelKey k : variants(g)) uris.add("/v2/models/" + k.model() + "/versions/" + k.variant() + "/infer");
    if (uris.isEmpty()) return null;
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(tls).setTrustAll(true)
        .setVerifyHost(false), new PoolOptions().setHttp1MaxSize(CONCURRENCY));
    int port = g.httpPort();
    return new Sender() {
      @Override
      public Future<?> send(int n) {
        List<String> texts = texts(n);
        JsonObject body = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "text")
            .put("datatype", "BYTES").put("shape", new JsonArray().add(texts.size()))
            .put("data", new JsonArray(new ArrayList<>(texts)))));
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
            .setURI(uris.get(n % uris.size())).putHeader("content-type", "application/json");
        return client.request(ro).compose(r -> r.send(body.toBuffer())
            .compose(resp -> resp.body().map(b -> {
              if (resp.statusCode() != 200) throw new IllegalStateException("HTTP " + resp.statusCode());
              return b;
            })));
      }

      @Override
      public int targets() {
        return uris.size();
      }

      @Override
      public Future<Void> close() {
        return client.close();
      }
    };
  }

  /**
   * OIP gRPC {@code ModelInfer} to a node's gRPC listener, naming each of its lanes and every variant the lane serves
   * ({@code parameters.lane}, as a gateway's remote lane sends them), in the {@code standard} class.
   */
  private static Sender grpc(Gateway g, Vertx vertx, String host, boolean tls, boolean clientCerts) {
    if (tls && clientCerts) {
      LOG.info("self warm-up skipped: the gRPC listener asks for client certificates");
      return null;
    }
    record Target(String lane, ModelKey key) {}
    List<ModelKey> variants = variants(g);
    List<Target> targets = new ArrayList<>();
    for (Lane lane : g.lanes().all()) {
      for (ModelKey k : variants) {
        if (lane.ready() && lane.serves(k.model(), k.variant())) targets.add(new Target(lane.id(), k));
      }
    }
    if (targets.isEmpty()) return null;
    GrpcClient client = GrpcClient.client(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setSsl(tls).setUseAlpn(tls).setTrustAll(true).setVerifyHost(false));
    SocketAddress address = SocketAddress.inetSocketAddress(g.grpcPort(), host);
    return new Sender() {
      @Override
      public Future<?> send(int n) {
        Target t = targets.get(n % targets.size());
        ModelInferRequest message = Embeddings.request(t.key().model(), t.key().variant(), texts(n))
            .putParameters(Oip.LANE, Parameters.of(t.lane()))
            .putParameters(Oip.LATENCY_CLASS, Parameters.of("standard")).build();
        return client.request(address, RemoteNodes.MODEL_INFER).compose(r -> r.send(message)
            .compose(resp -> resp.last().map(m -> {
              if (resp.status() != null && resp.status() != GrpcStatus.OK) {
                throw new IllegalStateException("gRPC " + resp.status() + ": " + resp.statusMessage());
              }
              return m;
            })));
      }

      @Override
      public int targets() {
        return targets.size();
      }

      @Override
      public Future<Void> close() {
        return client.close();
      }
    };
  }

  /** Every model and variant some ready lane serves. */
  private static List<ModelKey> variants(Gateway g) {
    List<ModelKey> out = new ArrayList<>();
    for (ModelSpec m : g.topology().models()) {
      for (VariantSpec v : m.variants()) {
        if (g.lanes().all().stream().anyMatch(l -> l.ready() && l.serves(m.name(), v.name()))) {
          out.add(ModelKey.of(m.name(), v.name()));
        }
      }
    }
    return out;
  }

  /**
   * Sends one request, and the next when it is answered, until {@code end} or until {@code limit} have been sent (on
   * the client's event loop).
   */
  private static void next(Sender sender, long end, int limit, AtomicInteger seq, AtomicLong ok, AtomicLong failed,
      CompletableFuture<Void> done) {
    int n = seq.getAndIncrement();
    if (n >= limit || System.nanoTime() >= end || failed.get() > 100) {
      done.complete(null);
      return;
    }
    Future<?> answer;
    try {
      answer = sender.send(n);
    } catch (RuntimeException e) { // nothing thrown here may leave the start waiting
      failed.incrementAndGet();
      done.complete(null);
      return;
    }
    answer.onComplete(r -> {
      (r.succeeded() ? ok : failed).incrementAndGet();
      next(sender, end, limit, seq, ok, failed, done);
    });
  }

  /** One to three texts, different for every {@code n}. */
  private static List<String> texts(int n) {
    List<String> texts = new ArrayList<>();
    for (int t = 0; t < 1 + n % 3; t++) texts.add(text(n * 3 + t));
    return texts;
  }

  /** A text of 3 to 40 words, different for every {@code n}. */
  static String text(int n) {
    StringBuilder b = new StringBuilder("warm-up ").append(n);
    int words = 3 + (n * 7919) % 38;
    for (int i = 0; i < words; i++) b.append(' ').append(WORDS[(n + i * 31) % WORDS.length]);
    return b.toString();
  }
}
