package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The noisy neighbour, end to end (real gateway, real lanes, HTTP on 127.0.0.1): tenant A keeps 256 {@code batch}
 * requests in flight on one lane (far beyond what it serves, so A's work queues for about a second), while tenant B
 * sends {@code standard} requests one at a time. Nothing of B's fails, and B never waits behind A's backlog: the lane
 * wait B's answers report ({@code queue_ms}, the executor's own measurement) stays below what A's work waits, by a
 * wide margin. The latency ratio itself (B's p99 under the flood vs alone) is a benchmark figure, not a test
 * assertion: {@code ./laneway bench tenants} measures it.
 */
class NoisyNeighbourTest {
  static final String MODEL = "all-minilm-l6-v2";
  static final String POLICY = """
      tenants:
        - id: a
          api_keys: [sha256:f10f781241e2246678b6b45c857069208152a53863e47fac33f607ab405006f4]  # sha256 of key-a
        - id: b
          api_keys: [sha256:a30534a53b23547377ddccbd1ac85a8a84c13db43493c16e55a6abc7b0eba634]  # sha256 of key-b
      rules:
        - name: one-lane
          lanes: [{lane: hk-general}]
      spillover: {enabled: false}
      """;
  @TempDir static Path dir;
  static Gateway gateway;
  /** HTTP/1.1: a connection per request in flight (an HTTP/2 upgrade would cap A at the server's streams). */
  static final HttpClient A = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static final HttpClient B = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    gateway = Gateway.start(GatewayOptions.ephemeral().with("policy", policy.toString()).with("cache-max-bytes", "0"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static HttpRequest request(String key, String latencyClass, String text) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/v2/models/" + MODEL
        + "/infer")).header("x-api-key", key).header("x-laneway-latency-class", latencyClass)
        .POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of(text)))).timeout(Duration.ofSeconds(60))
        .build();
  }

  static double queueMs(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("parameters").getDouble("queue_ms");
  }

  @Test
  void aBatchFlood_neitherFailsNorQueuesAStandardTenantBehindIt() throws Exception {
    AtomicBoolean flooding = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Double> aWaits = new ConcurrentLinkedQueue<>();
    AtomicInteger aOk = new AtomicInteger();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    for (int c = 0; c < 256; c++) {
      int client = c;
      CompletableFuture<Void> loop = new CompletableFuture<>();
      loops.add(loop);
      Runnable[] next = new Runnable[1];
      int[] n = {0};
      next[0] = () -> {
        if (!flooding.get()) {
          loop.complete(null);
          return;
        }
        A.sendAsync(request("key-a", "batch", "flood " + client + " " + n[0]++ + " of the batch tenant's work"),
            HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
              if (e == null && r.statusCode() == 200) {
                aOk.incrementAndGet();
                aWaits.add(queueMs(r));
              }
              next[0].run();
            });
      };
      next[0].run();
    }
    List<Double> bWaits = new ArrayList<>();
    try {
      // until A's work queues (its median wait 300 ms or more), then B sends 40 requests one at a time
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (aWaits.size() < 50 || median(new ArrayList<>(aWaits)) < 300) {
        assertTrue(System.nanoTime() < until, "A's flood never queued: " + aWaits.size() + " answers");
        Thread.onSpinWait();
      }
      for (int i = 0; i < 40; i++) {
        HttpResponse<String> r = B.send(request("key-b", "standard", "steady request " + i + " of tenant b"),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "nothing of B's fails: " + r.body());
        bWaits.add(queueMs(r));
      }
    } finally {
      flooding.set(false);
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(120, java.util.concurrent.TimeUnit.SECONDS);
    }
    List<Double> a = new ArrayList<>(aWaits);
    double aMedian = median(a);
    double bMedian = median(bWaits);
    double bMax = Collections.max(bWaits);
    System.out.printf("noisy neighbour: A (batch, 256 in flight) waited %.1f ms at the median in the lane; "
        + "B (standard) %.1f ms at the median, %.1f ms at most (%d A answers)%n", aMedian, bMedian, bMax, a.size());
    assertTrue(bMax < aMedian, "B never waits behind A's backlog: B's longest wait " + bMax + " ms, A's median "
        + aMedian + " ms");
    assertTrue(bMedian * 3 < aMedian, "B's median wait " + bMedian + " ms, A's " + aMedian + " ms");
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
