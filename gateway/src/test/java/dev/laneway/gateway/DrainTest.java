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
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static Gateway oneLane(String drainTimeout) throws Exception {
    Path topology = Path.of(DrainTest.class.getResource("/one-lane-topology.yaml").toURI());
    return Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("drain-timeout", drainTimeout));
  }

  /**
   * Drains on a thread of its own, as the shutdown hook does: not on the common pool, whose one worker on a small
   * machine would then be unavailable to the injected latency's delayed stage (it runs on the common pool).
   */
  static CompletableFuture<Void> drain(Gateway g) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofPlatform().name("drain").daemon().start(() -> {
      try {
        g.drain();
        done.complete(null);
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return done;
  }

  static HttpResponse<String> send(HttpRequest r) throws Exception {
    return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Eight requests are accepted and held at the device (2 s of injected latency, set on the admin door), and one
   * more slot is held by the test itself, so the drain cannot finish before the test lets it. While they are in
   * flight: readiness is false (the readiness endpoint answers 503) and a new request is refused with 503; the eight
   * are answered 200 after the drain began; the drain returns only once the last accepted request is released.
   */
  @Test
  void drain_finishesAcceptedRequestsAndRefusesNewOnes() throws Exception {
    Gateway g = oneLane("30s");
    String base = "http://127.0.0.1:" + g.httpPort();
    URI infer = URI.create(base + "/v2/models/all-minilm-l6-v2/infer");
    try {
      HttpResponse<String> fault = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + "/v2/admin/devices/cpu0/fault"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"latency\":\"2s\"}")).build());
      assertEquals(200, fault.statusCode(), fault.body());

      List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
      List<CompletableFuture<Long>> answeredAt = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        CompletableFuture<HttpResponse<String>> f = HTTP.sendAsync(HttpRequest.newBuilder(infer)
            .POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("accepted before the drain " + i))).build(),
            HttpResponse.BodyHandlers.ofString());
        accepted.add(f);
        answeredAt.add(f.thenApply(r -> System.nanoTime()));
      }
      Await.until(() -> g.inFlight() == 8, Duration.ofSeconds(20), "all 8 requests accepted");
      assertTrue(g.intake().accept(), "the test's own request slot"); // released below: the drain waits for it

      long drainStarted = System.nanoTime();
      CompletableFuture<Void> draining = drain(g);
      Await.until(g::draining, Duration.ofSeconds(5), "the drain began");
      assertFalse(g.ready());
      HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).GET().build());
      assertEquals(503, ready.statusCode(), "readiness while draining: " + ready.body());
      HttpResponse<String> late = send(HttpRequest.newBuilder(infer)
          .POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("too late"))).build());
      assertEquals(503, late.statusCode(), late.body());
      assertTrue(late.body().contains("shutting down"), late.body());

      for (int i = 0; i < accepted.size(); i++) {
        HttpResponse<String> r = accepted.get(i).get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(answeredAt.get(i).get() - drainStarted > 0, "request " + i + " was still in flight when the drain"
            + " began (answered after it)");
      }
      // a door writes its answer, then releases the request (DoorReplies): the client may read the last answers a
      // moment before their releases, so the count is awaited, not read once
      Await.until(() -> g.inFlight() == 1, Duration.ofSeconds(5), "the eight answered requests released");
      assertFalse(draining.isDone(), "the drain waits for every accepted request (the test still holds one)");
      g.intake().release();
      draining.get(30, TimeUnit.SECONDS);
      assertEquals(0, g.inFlight());
    } finally {
      g.close();
    }
  }

  @Test
  void draining_refusesNewWorkWith503() throws Exception {
    Gateway g = oneLane("5s");
    try {
      // hold one request open so the drain waits, then try a new one
      URI infer = URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/models/all-minilm-l6-v2/infer");
      g.intake().accept(); // a request accepted and not yet answered
      CompletableFuture<Void> draining = drain(g);
      Await.until(g::draining, Duration.ofSeconds(5), "the drain began");
      HttpResponse<String> r = send(HttpRequest.newBuilder(infer)
          .POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("late"))).build());
      assertEquals(503, r.statusCode());
      assertTrue(r.body().contains("shutting down"), r.body());
      g.intake().release();
      draining.get(30, TimeUnit.SECONDS);
    } finally {
      g.close();
    }
  }
}
