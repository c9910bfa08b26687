package dev.laneway.loadtests;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The bench's one HTTP/1.1 client to one gateway: Vert.x, asynchronous, keep-alive, a pool of {@value #POOL}
 * connections by default (so an open loop at thousands of requests per second never waits for a socket or a thread,
 * as long as answers come back fast: HTTP/1.1 carries one request per connection at a time, so a load whose answers
 * are held for up to its deadline needs rate x deadline connections, and {@code overload} sizes its flood's pool so).
 * Every REST front door and the admin calls go through {@link #send}.
 *
 * <p>Threads: {@link #send} may be called from any thread and never blocks; its future completes on a Vert.x event loop.
 */
public final class Http implements AutoCloseable {
  static final int POOL = 256;

  /** One HTTP answer: status, headers and the whole body. */
  public record Response(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.length() == 0 ? new JsonObject() : new JsonObject(body);
    }
  }

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final String host;
  private final int port;
  private final long timeoutMs;

  public Http(String host, int port, long timeoutMs) {
    this(host, port, timeoutMs, POOL);
  }

  /** As {@link #Http(String, int, long)} with a pool of {@code pool} connections. */
  public Http(String host, int port, long timeoutMs, int pool) {
    this(host, port, timeoutMs, pool, null);
  }

  /**
   * As {@link #Http(String, int, long, int)}, over TLS trusting the PEM certificate(s) in {@code trust} (null:
   * plaintext); still HTTP/1.1 (no ALPN), so TLS is the only difference from a plaintext client.
   */
  public Http(String host, int port, long timeoutMs, int pool, java.nio.file.Path trust) {
    if (pool < 1) throw new IllegalArgumentException("pool: " + pool + " (expected: >= 1)");
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(2));
    HttpClientOptions o = new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setMaxInitialLineLength(8192);
    if (trust != null) o.setSsl(true).setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(trust.toString()));
    this.client = vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(pool));
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** Sends one request; transport failures complete the future exceptionally (see {@link #reason}). */
  public CompletableFuture<Response> send(HttpMethod method, String uri, MultiMap headers, Buffer body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri)
        .setIdleTimeout(timeoutMs).setConnectTimeout(Math.min(timeoutMs, 5000));
    if (headers != null) options.setHeaders(headers);
    Future<Response> f = client.request(options).compose(req -> (body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), resp.headers(), b))));
    return f.toCompletionStage().toCompletableFuture();
  }

  public CompletableFuture<Response> get(String uri) {
    return send(HttpMethod.GET, uri, null, null);
  }

  public CompletableFuture<Response> post(String uri, MultiMap headers) {
    return send(HttpMethod.POST, uri, headers, Buffer.buffer());
  }

  /** The reason string of a transport failure: {@code connect}, {@code client-timeout} or the exception's class. */
  public static String reason(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c != c.getCause()) {
      if (c instanceof ConnectException) break;
      c = c.getCause();
    }
    if (c instanceof ConnectException || String.valueOf(c.getMessage()).contains("Connection refused")) return "connect";
    if (c instanceof TimeoutException || c.getClass().getSimpleName().contains("Timeout")
        || String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timeout")) {
      return "client-timeout";
    }
    return "client: " + c.getClass().getSimpleName();
  }

  /** Request headers for the routing inputs; null values are left out. */
  static MultiMap headers(Request r) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (r.region() != null) h.add("x-laneway-region", r.region());
    if (r.latencyClass() != null) h.add("x-laneway-latency-class", r.latencyClass());
    if (r.apiKey() != null) h.add("x-api-key", r.apiKey());
    return h;
  }

  @Override
  public void close() {
    client.close().await();
    vertx.close().await();
  }
}
