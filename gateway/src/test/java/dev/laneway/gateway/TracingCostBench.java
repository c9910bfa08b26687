package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.observability.Telemetry;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The cost of tracing on the hot path, measured (not asserted): two gateways on the one-lane topology, identical but
 * for the sampler — {@code always_on} with every span batched to an exporter that drops them (a collector that costs
 * nothing) vs {@code always_off} with the same processor — driven in alternating rounds by a closed loop of
 * concurrent clients, one gateway at a time. Prints and writes {@code target/tracing-cost.txt}.
 *
 * <p>Opt-in, never part of the test run (surefire does not select {@code *Bench} classes, and it is disabled without
 * {@code -Dlaneway.bench=true}); its only assertions check the set-up (the sampled gateway exported spans, the other
 * none), not the figures:
 * {@code ./mvnw -B -ntp -pl gateway -am test -Dtest=TracingCostBench -Dlaneway.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dlaneway.bench.seconds=4 -Dlaneway.bench.rounds=3 -Dlaneway.bench.clients=16}). A shared machine makes
 * the figure noisy: compare rounds, not single numbers.
 */
@EnabledIfSystemProperty(named = "laneway.bench", matches = "true")
class TracingCostBench {
  private static final class DroppingExporter implements SpanExporter {
    final AtomicLong spans = new AtomicLong();

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAndGet(batch.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Test
  void throughput_tracingSampledVsOff() throws Exception {
    int seconds = Integer.getInteger("laneway.bench.seconds", 4);
    int rounds = Integer.getInteger("laneway.bench.rounds", 3);
    int clients = Integer.getInteger("laneway.bench.clients", 16);
    DroppingExporter onSpans = new DroppingExporter();
    DroppingExporter offSpans = new DroppingExporter();
    GatewayOptions options = TracedGateway.oneLane();
    try (Gateway on = Gateway.start(options, Telemetry.start("bench-on", Map.of("otel.traces.sampler", "always_on"),
            BatchSpanProcessor.builder(onSpans).build()));
        Gateway off = Gateway.start(options, Telemetry.start("bench-off", Map.of("otel.traces.sampler", "always_off"),
            BatchSpanProcessor.builder(offSpans).build()))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      drive(http, on, clients, 2); // warm-up, both
      drive(http, off, clients, 2);
      List<Double> onRates = new ArrayList<>();
      List<Double> offRates = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        onRates.add(drive(http, on, clients, seconds));
        offRates.add(drive(http, off, clients, seconds));
      }
      on.close();
      off.close();
      double onMedian = median(onRates);
      double offMedian = median(offRates);
      String line = String.format(Locale.ROOT,
          "tracing cost: sampled %.1f req/s vs off %.1f req/s (median of %d rounds of %d s, %d clients, 1 text each;"
              + " %+.1f%%); rounds on=%s off=%s; spans exported on=%d off=%d",
          onMedian, offMedian, rounds, seconds, clients, 100 * (onMedian - offMedian) / offMedian, fmt(onRates),
          fmt(offRates), onSpans.spans.get(), offSpans.spans.get());
      System.out.println(line);
      Files.writeString(Path.of("target", "tracing-cost.txt"), line + System.lineSeparator());
      assertTrue(onSpans.spans.get() > 0, "sampled spans were exported");
      assertEquals(0, offSpans.spans.get(), "always_off exports nothing");
    }
  }

  /**
   * The same question without the model and the network, so less noisy: nanoseconds to start a server span with the
   * gateway's attributes, make it current, add a link and end it — sampled (batched to a dropping exporter) vs
   * {@code always_off}. The span tree of a request after the merge is about five such spans.
   */
  @Test
  void spanCost_sampledVsOff() throws Exception {
    StringBuilder out = new StringBuilder();
    for (String sampler : List.of("always_on", "always_off", "always_on", "always_off", "always_on", "always_off",
        "always_on", "always_off")) {
      DroppingExporter exporter = new DroppingExporter();
      try (Telemetry t = Telemetry.start("bench-" + sampler, Map.of("otel.traces.sampler", sampler),
          BatchSpanProcessor.builder(exporter).setMaxQueueSize(65536).build())) {
        io.opentelemetry.api.trace.Tracer tracer = t.openTelemetry().getTracer("bench");
        int n = 500_000;
        for (int warm = 0; warm < 2; warm++) spans(tracer, n);
        long t0 = System.nanoTime();
        spans(tracer, n);
        double ns = (System.nanoTime() - t0) / (double) n;
        out.append(String.format(Locale.ROOT, "%s %.0f ns/span; ", sampler, ns));
      }
    }
    String line = "span cost: " + out.toString().strip();
    System.out.println(line);
    Files.writeString(Path.of("target", "tracing-span-cost.txt"), line + System.lineSeparator());
  }

  private static void spans(io.opentelemetry.api.trace.Tracer tracer, int n) {
    io.opentelemetry.api.trace.SpanContext other = io.opentelemetry.api.trace.SpanContext.create(
        "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", io.opentelemetry.api.trace.TraceFlags.getSampled(),
        io.opentelemetry.api.trace.TraceState.getDefault());
    for (int i = 0; i < n; i++) {
      io.opentelemetry.api.trace.Span s = tracer.spanBuilder("POST /v2/models/{model}/infer")
          .setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER).setAttribute("http.request.method", "POST")
          .setAttribute("url.path", "/v2/models/all-minilm-l6-v2/infer").startSpan();
      try (io.opentelemetry.context.Scope ignored = s.makeCurrent()) {
        s.setAttribute("laneway.model", "all-minilm-l6-v2");
        s.setAttribute("laneway.texts", 1);
        s.addLink(other);
      } finally {
        s.end();
      }
    }
  }

  /** A closed loop: {@code clients} callers, each sending its next request when the last is answered. */
  private static double drive(HttpClient http, Gateway g, int clients, int seconds) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/models/all-minilm-l6-v2/infer");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong done = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      loops.add(CompletableFuture.runAsync(() -> {
        while (System.nanoTime() < end) {
          String body = OipRestTest.infer("a short sentence to embed, number " + seq.incrementAndGet());
          HttpRequest req = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body))
              .header("cache-control", "no-cache").timeout(Duration.ofSeconds(30)).build();
          try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(r.statusCode() + " " + r.body());
            done.incrementAndGet();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
    }
    CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static double median(List<Double> v) {
    List<Double> s = v.stream().sorted().toList();
    return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }

  private static String fmt(List<Double> v) {
    return v.stream().map(d -> String.format(Locale.ROOT, "%.1f", d)).toList().toString();
  }
}
