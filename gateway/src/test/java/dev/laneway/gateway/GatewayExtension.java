package dev.laneway.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real gateway on the embedded default, bound to 127.0.0.1 on free ports, shared by every test class in the run
 * (starting one loads and warms all lanes) and closed when the run ends.
 *
 * <pre>{@code
 * @RegisterExtension static final GatewayExtension gateway = new GatewayExtension();
 * gateway.post("/v2/models/all-minilm-l6-v2/infer", body);
 * }</pre>
 */
public final class GatewayExtension implements BeforeAllCallback {
  private static final Object LOCK = new Object();
  private static Gateway shared;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (LOCK) {
      if (shared == null) {
        shared = Gateway.start(GatewayOptions.ephemeral());
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
            .put("laneway-gateway", (ExtensionContext.Store.CloseableResource) () -> {
              synchronized (LOCK) {
                shared.close();
                shared = null;
              }
            });
      }
    }
  }

  public Gateway gateway() {
    return shared;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + shared.httpPort() + path);
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().timeout(Duration.ofSeconds(30)).build());
  }

  public HttpResponse<String> post(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json").timeout(Duration.ofSeconds(30)).build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
