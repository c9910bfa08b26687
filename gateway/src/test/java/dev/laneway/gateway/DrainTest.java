package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What SIGTERM does (the shutdown hook calls {@link Gateway#drain()}): readiness false first, new work refused with
 * 503, every request already accepted answered, then the listeners close.
 */
class DrainTest {
  @Test
  void drain_finishesAcceptedRequestsAndRefusesNewOnes() throws Exception {
    Path topology = Path.of(DrainTest.class.getResource("/one-lane-topology.yaml").toURI());
    Gateway g = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString()));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI infer = URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/models/all-minilm-l6-v2/infer");
    URI ready = URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/health/ready");
    // 16 distinct long texts per request (no cache hits): 384 items keep the one-instance lane busy for seconds,
    // so all 24 requests are still in flight when the drain starts
    String sentence = "a long enough sentence to keep the lane busy for a little while, ".repeat(8);

    List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String[] texts = new String[16];
      for (int t = 0; t < texts.length; t++) texts[t] = sentence + " (" + i + "/" + t + ")";
      String body = OipRestTest.infer(texts);
      accepted.add(http.sendAsync(HttpRequest.newBuilder(infer).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (g.inFlight() < 24 && System.nanoTime() < until) Thread.sleep(1);
    assertEquals(24, g.inFlight(), "all 24 requests accepted before the drain starts");

    CompletableFuture<Void> draining = CompletableFuture.runAsync(g::drain);
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!g.draining() && System.nanoTime() < until) Thread.sleep(1);
    assertTrue(g.draining());
    assertFalse(g.ready());

    // the listener still answers while requests are in flight: readiness is false and new work is refused
    if (g.inFlight() > 0) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode());
    }

    for (CompletableFuture<HttpResponse<String>> f : accepted) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
    }
    draining.get(30, TimeUnit.SECONDS);
    assertEquals(0, g.inFlight());
  }

  @Test
  void draining_refusesNewWorkWith503() throws Exception {
    Path topology = Path.of(DrainTest.class.getResource("/one-lane-topology.yaml").toURI());
    Gateway g = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("drain-timeout", "5s"));
    try {
      // hold one request open so the drain waits, then try a new one
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      URI infer = URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/models/all-minilm-l6-v2/infer");
      g.intake().accept(); // a request accepted and not yet answered
      CompletableFuture<Void> draining = CompletableFuture.runAsync(g::drain);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!g.draining() && System.nanoTime() < until) Thread.sleep(1);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(infer)
          .POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("late"))).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode());
      assertTrue(r.body().contains("shutting down"), r.body());
      g.intake().release();
      draining.get(30, TimeUnit.SECONDS);
    } finally {
      if (!g.draining()) g.close();
    }
  }
}
