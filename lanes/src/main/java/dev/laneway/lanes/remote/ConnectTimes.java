package dev.laneway.lanes.remote;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.Address;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.ServiceMethod;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * How long a new gateway → node connection takes, measured where it is made: the remote lanes' gRPC client. A
 * request to a node with no connection open starts the clock; the client's connect handler, called once the
 * connection is ready (TCP connect, the TLS handshake when the link has TLS, the HTTP/2 preface), stops it. Each new
 * connection is one log line ({@code remote: connected to node 10.0.0.7:8001 over TLSv1.3 in 23.4 ms (TCP + TLS
 * handshake + HTTP/2 preface)}) and one observation of {@code laneway_remote_connect_seconds{node, tls}}. A connect
 * that fails clears the clock (the lane's own failure handling says why), so a later success is not charged for it.
 *
 * <pre>{@code
 * ConnectTimes times = new ConnectTimes(meter, System::nanoTime);
 * GrpcClient client = times.client(vertx, httpOptions, true);   // as GrpcClient.client(vertx, httpOptions)
 * }</pre>
 *
 * <p>Threads: requests start on any thread; the connect and close handlers run on the client's event loop. Per node:
 * the count of open connections and the pending clock, both atomic.
 */
final class ConnectTimes {
  private static final Logger LOG = Logger.getLogger(ConnectTimes.class.getName());
  static final AttributeKey<String> NODE = AttributeKey.stringKey("node");
  static final AttributeKey<Boolean> TLS = AttributeKey.booleanKey("tls");
  /** Loopback to an ocean away: 0.5 ms to 5 s. */
  static final List<Double> BUCKETS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
      2.5, 5.0);

  private final DoubleHistogram seconds;
  private final LongSupplier nanos;

  ConnectTimes(Meter meter, LongSupplier nanos) {
    this.seconds = meter.histogramBuilder("laneway.remote.connect").setUnit("s")
        .setDescription("Time for a new gateway-to-node connection to be ready: TCP, the TLS handshake (tls=true) "
            + "and the HTTP/2 preface, from the first request that needed it")
        .setExplicitBucketBoundariesAdvice(BUCKETS).build();
    this.nanos = nanos;
  }

  /** A gRPC client over {@code options} whose new connections are timed; {@code tls}: the link has TLS. */
  GrpcClient client(Vertx vertx, HttpClientOptions options, boolean tls) {
    Links links = new Links(tls);
    HttpClient http = vertx.httpClientBuilder().with(options).withConnectHandler(links::connected).build();
    return new Timed(GrpcClient.client(vertx, http), links);
  }

  /** One node as a client reaches it: connections open and when the pending connect started (0: none). */
  private static final class Link {
    final String node;
    final AtomicInteger open = new AtomicInteger();
    final AtomicLong since = new AtomicLong();

    Link(String node) {
      this.node = node;
    }
  }

  /** One client's links, by node. */
  private final class Links {
    final boolean tls;
    final Map<String, Link> byNode = new ConcurrentHashMap<>();

    Links(boolean tls) {
      this.tls = tls;
    }

    /** A request to {@code address} is starting: the clock starts if no connection to it is open. */
    Link requesting(Address address) {
      if (!(address instanceof SocketAddress a)) return null;
      Link link = byNode.computeIfAbsent(key(a.host(), a.port()), k -> new Link(a.host() + ":" + a.port()));
      if (link.open.get() == 0) link.since.compareAndSet(0, nanos.getAsLong());
      return link;
    }

    /** The request failed before any connection was made: nothing to time. */
    void failed(Link link) {
      if (link != null && link.open.get() == 0) link.since.set(0);
    }

    void connected(HttpConnection c) {
      long now = nanos.getAsLong();
      SocketAddress remote = c.remoteAddress();
      Link link = remote == null ? null : find(remote);
      if (link == null) return;
      link.open.incrementAndGet();
      c.closeHandler(v -> link.open.decrementAndGet());
      long t0 = link.since.getAndSet(0);
      if (t0 == 0) return;
      double ms = (now - t0) / 1e6;
      seconds.record(ms / 1e3, Attributes.of(NODE, link.node, TLS, tls));
      String over = !tls ? "plaintext (TCP + HTTP/2 preface)"
          : protocol(c) + " (TCP + TLS handshake + HTTP/2 preface)";
      LOG.info(String.format(Locale.ROOT, "remote: connected to node %s in %.1f ms over %s", link.node, ms, over));
    }

    /** The link of a connection: by host and port, else by host name, else the one link on that port. */
    private Link find(SocketAddress remote) {
      Link l = byNode.get(key(remote.host(), remote.port()));
      if (l == null && remote.hostName() != null) l = byNode.get(key(remote.hostName(), remote.port()));
      if (l != null) return l;
      List<Link> onPort = byNode.entrySet().stream().filter(e -> e.getKey().startsWith(remote.port() + "/"))
          .map(Map.Entry::getValue).toList();
      return onPort.size() == 1 ? onPort.get(0) : null;
    }
  }

  private static String key(String host, int port) {
    return port + "/" + host;
  }

  /** The TLS version negotiated ({@code TLSv1.3}), or {@code TLS} when the session cannot say. */
  private static String protocol(HttpConnection c) {
    try {
      return c.sslSession() == null ? "TLS" : c.sslSession().getProtocol();
    } catch (RuntimeException e) {
      return "TLS";
    }
  }

  /** The client, each request first noted by {@link Links#requesting}. */
  private record Timed(GrpcClient inner, Links links) implements GrpcClient {
    @Override
    public Future<GrpcClientRequest<Buffer, Buffer>> request(Address address) {
      Link l = links.requesting(address);
      return inner.request(address).onFailure(e -> links.failed(l));
    }

    @Override
    public Future<GrpcClientRequest<Buffer, Buffer>> request() {
      return inner.request();
    }

    @Override
    public <Req, Resp> Future<GrpcClientRequest<Req, Resp>> request(Address address, ServiceMethod<Resp, Req> m) {
      Link l = links.requesting(address);
      return inner.request(address, m).onFailure(e -> links.failed(l));
    }

    @Override
    public <Req, Resp> Future<GrpcClientRequest<Req, Resp>> request(ServiceMethod<Resp, Req> m) {
      return inner.request(m);
    }

    @Override
    public Future<Void> close() {
      return inner.close();
    }
  }
}
