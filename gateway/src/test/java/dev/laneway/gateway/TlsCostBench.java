package dev.laneway.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost of TLS, measured (not asserted): two gateways on the one-lane topology, identical but for
 * {@code --tls-cert}/{@code --tls-key}, driven in alternating rounds by a closed loop of HTTP/1.1 clients (kept
 * connections: the steady-state cost, not handshakes) — throughput and p50/p99; and the time to open a new connection
 * to a gateway's gRPC port (TCP connect + TLS 1.3 handshake vs TCP connect alone), which is what a gateway pays for a
 * new connection to a node. Prints and writes {@code target/tls-cost.txt}. Opt-in like {@link TracingCostBench}:
 * {@code ./mvnw -B -ntp -o -pl gateway -am test -Dtest=TlsCostBench -Dlaneway.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dlaneway.bench.seconds=3 -Dlaneway.bench.rounds=3 -Dlaneway.bench.clients=8}).
 */
@EnabledIfSystemProperty(named = "laneway.bench", matches = "true")
class TlsCostBench {
  @TempDir Path dir;

  @Test
  void tlsVsPlaintext() throws Exception {
    int seconds = Integer.getInteger("laneway.bench.seconds", 3);
    int rounds = Integer.getInteger("laneway.bench.rounds", 3);
    int clients = Integer.getInteger("laneway.bench.clients", 8);
    TestCerts.Ca ca = TestCerts.ca("bench CA");
    TestCerts.Pair server = ca.leaf("localhost", List.of("localhost", "127.0.0.1"), dir, "server");
    Path topology = Path.of(TlsCostBench.class.getResource("/one-lane-topology.yaml").toURI());
    GatewayOptions options = GatewayOptions.ephemeral().with("topology", topology.toString()).with("watch", "false");
    try (Gateway plain = Gateway.start(options);
        Gateway tls = Gateway.start(options.with("tls-cert", server.cert().toString())
            .with("tls-key", server.key().toString()))) {
      HttpClient h = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpClient hs = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ca.trustingContext())
          .build();
      URI pu = URI.create("http://127.0.0.1:" + plain.httpPort() + "/v2/models/all-minilm-l6-v2/infer");
      URI tu = URI.create("https://127.0.0.1:" + tls.httpPort() + "/v2/models/all-minilm-l6-v2/infer");
      drive(h, pu, clients, 2, new ConcurrentLinkedQueue<>());
      drive(hs, tu, clients, 2, new ConcurrentLinkedQueue<>());
      List<Double> pr = new ArrayList<>();
      List<Double> tr = new ArrayList<>();
      ConcurrentLinkedQueue<Long> pl = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Long> tl = new ConcurrentLinkedQueue<>();
      for (int r = 0; r < rounds; r++) {
        pr.add(drive(h, pu, clients, seconds, pl));
        tr.add(drive(hs, tu, clients, seconds, tl));
      }
      double plainConnect = connectMs(plain.grpcPort(), null, 200);
      double tlsConnect = connectMs(tls.grpcPort(), ca.trustingContext(), 200);
      String line = String.format(Locale.ROOT, "TLS cost (REST, one text, %d clients, HTTP/1.1 kept connections, "
              + "median of %d rounds of %d s): plaintext %.1f req/s p50 %.2f ms p99 %.2f ms; TLS %.1f req/s p50 %.2f ms "
              + "p99 %.2f ms (%+.1f%% throughput); rounds plain=%s tls=%s; new connection to the gRPC port (median of 200): "
              + "TCP %.2f ms, TCP + TLS 1.3 handshake %.2f ms",
          clients, rounds, seconds, median(pr), pct(pl, 50), pct(pl, 99), median(tr), pct(tl, 50), pct(tl, 99),
          100 * (median(tr) - median(pr)) / median(pr), pr, tr, plainConnect, tlsConnect);
      System.out.println(line);
      Files.writeString(Path.of("target", "tls-cost.txt"), line + System.lineSeparator());
    }
  }

  /** Median milliseconds to connect (and, with a context, complete the TLS handshake) to {@code port}. */
  static double connectMs(int port, javax.net.ssl.SSLContext ctx, int n) throws Exception {
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < n + 20; i++) {
      long t0 = System.nanoTime();
      if (ctx == null) {
        try (var s = new java.net.Socket("127.0.0.1", port)) {
          s.setTcpNoDelay(true);
        }
      } else {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
          var p = s.getSSLParameters();
          p.setApplicationProtocols(new String[] {"h2"});
          s.setSSLParameters(p);
          s.startHandshake();
        }
      }
      if (i >= 20) ms.add((System.nanoTime() - t0) / 1e6);
    }
    return median(ms);
  }

  static double drive(HttpClient http, URI uri, int clients, int seconds, ConcurrentLinkedQueue<Long> latencies)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong done = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    long t0 = System.nanoTime();
    var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    for (int c = 0; c < clients; c++) {
      loops.add(CompletableFuture.runAsync(() -> {
        while (System.nanoTime() < end) {
          HttpRequest req = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(
              List.of("a short sentence to embed, number " + seq.incrementAndGet()))))
              .header("cache-control", "no-cache").timeout(Duration.ofSeconds(30)).build();
          try {
            long s = System.nanoTime();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(r.statusCode() + " " + r.body());
            latencies.add(System.nanoTime() - s);
            done.incrementAndGet();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }, pool));
    }
    CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
    return Math.round(done.get() / ((System.nanoTime() - t0) / 1e9) * 10) / 10.0;
  }

  static double pct(ConcurrentLinkedQueue<Long> nanos, int p) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    return s.isEmpty() ? 0 : s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1)) / 1e6;
  }

  static double median(List<Double> v) {
    List<Double> s = v.stream().sorted().toList();
    return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }
}
