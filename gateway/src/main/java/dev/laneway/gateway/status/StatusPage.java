package dev.laneway.gateway.status;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /status}: the live status page, on the HTTP port (public, read-only, like the health endpoints: it shows
 * what an operator needs to see and changes nothing; admin actions stay on the admin door). One self-contained page
 * ({@code laneway/status.html}: inline CSS and JavaScript, no external assets, readable on a phone) that polls
 * {@code GET /status.json} ({@link StatusData}) every second.
 */
public final class StatusPage {
  static final String RESOURCE = "laneway/status.html";
  private final Buffer html;
  private final StatusData data;

  public StatusPage(StatusData data) {
    this.data = data;
    try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      this.html = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void mount(Router router) {
    router.get("/status").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8")
        .putHeader("cache-control", "no-store")
        .putHeader("content-security-policy", "default-src 'self'; style-src 'unsafe-inline'; "
            + "script-src 'unsafe-inline'; connect-src 'self'")
        .end(html));
    router.get("/status.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store").end(data.describe().toBuffer()));
  }
}
