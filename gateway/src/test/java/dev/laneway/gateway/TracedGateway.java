package dev.laneway.gateway;

import dev.laneway.observability.Telemetry;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real gateway on 127.0.0.1 (free ports) whose spans also go to an in-memory exporter, for tests that look at
 * traces and metrics. Its own process-wide state: one per test class, closed by the class.
 *
 * <pre>{@code
 * try (TracedGateway g = TracedGateway.start(TracedGateway.oneLane())) {
 *   HttpResponse<String> r = g.post("/v2/models/all-minilm-l6-v2/infer", body, Map.of("traceparent", tp));
 *   List<SpanData> spans = g.awaitSpans(s -> s.getTraceId().equals(id), 1);
 * }
 * }</pre>
 */
final class TracedGateway implements AutoCloseable {
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final Gateway gateway;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TracedGateway(GatewayOptions options, Map<String, String> otel) {
    Telemetry telemetry = Telemetry.start("laneway-test", otel, SimpleSpanProcessor.create(spans));
    this.gateway = Gateway.start(options, telemetry);
  }

  static TracedGateway start(GatewayOptions options) {
    return new TracedGateway(options, Map.of());
  }

  /** With OpenTelemetry properties ({@code otel.traces.sampler=always_off}, …) as the {@code --otel-*} flags give. */
  static TracedGateway start(GatewayOptions options, Map<String, String> otel) {
    return new TracedGateway(options, otel);
  }

  /** Ephemeral options on the one-lane test topology (int8 MiniLM on one CPU device: quick to load). */
  static GatewayOptions oneLane() {
    return onTopology("/one-lane-topology.yaml");
  }

  /** Ephemeral options on a topology file among the test resources. */
  static GatewayOptions onTopology(String resource) {
    try {
      Path topology = Path.of(TracedGateway.class.getResource(resource).toURI());
      return GatewayOptions.ephemeral().with("topology", topology.toString());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.httpPort() + path);
  }

  URI metricsUri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.metricsPort() + path);
  }

  HttpResponse<String> post(String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json").timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    return send(b.build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Spans are ended when the response is written: waits (up to 10 s) until {@code count} spans match. */
  List<SpanData> awaitSpans(Predicate<SpanData> match, int count) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<SpanData> found;
    do {
      found = spans.getFinishedSpanItems().stream().filter(match).toList();
      if (found.size() >= count) return found;
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    } while (System.nanoTime() < end);
    return found;
  }

  @Override
  public void close() {
    gateway.close();
  }
}
