package dev.laneway.loadtests;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's admin API ({@code /v2/admin}) as a scenario calls it, with {@code x-admin-token} when the gateway has
 * one. Each call waits for its answer (10 s at most) and never throws: it returns {@code {"status": 200}} or, for any
 * other answer, {@code {"status": 422, "unavailable": "http-422: <the gateway's error>"}} (a transport failure:
 * {@code {"unavailable": "<reason>"}}), so a scenario records what an older gateway cannot do and goes on.
 *
 * <p>Threads: any thread; blocks the caller for one round trip. Give it its own {@link Http}, so that a load's
 * connection pool never delays it.
 */
final class AdminClient {
  private static final int MAX_MESSAGE = 300;

  private final Http http;
  private final String token;

  AdminClient(Http http, String token) {
    this.http = http;
    this.token = token;
  }

  /** {@code POST /v2/admin/reload}: re-read the policy (and topology) files. */
  JsonObject reload() {
    return post("/v2/admin/reload", null);
  }

  /** {@code POST /v2/admin/devices/{device}/fault} with {@code fault} ({@code {}} clears). */
  JsonObject fault(String device, JsonObject fault) {
    return post("/v2/admin/devices/" + device + "/fault", fault);
  }

  /** {@code GET /v2/admin/lanes}: its body, or null when it did not answer 200. */
  JsonObject lanes() {
    return get("/v2/admin/lanes");
  }

  /** {@code GET /v2/admin/drift}: its body, or null when it did not answer 200 (a gateway without drift checks). */
  JsonObject drift() {
    return get("/v2/admin/drift");
  }

  private JsonObject get(String uri) {
    try {
      Http.Response r = http.send(HttpMethod.GET, uri, headers(), null).get(10, TimeUnit.SECONDS);
      return r.status() == 200 ? r.json() : null;
    } catch (Exception e) {
      return null;
    }
  }

  private JsonObject post(String uri, JsonObject body) {
    MultiMap h = headers();
    if (body != null) h.add("content-type", "application/json");
    try {
      Http.Response r = http.send(HttpMethod.POST, uri, h, body == null ? Buffer.buffer() : body.toBuffer())
          .get(10, TimeUnit.SECONDS);
      JsonObject o = new JsonObject().put("status", r.status());
      if (r.status() != 200) {
        String message = OipReplies.errorText(r);
        if (message.length() > MAX_MESSAGE) message = message.substring(0, MAX_MESSAGE) + "...";
        o.put("unavailable", "http-" + r.status() + (message.isEmpty() ? "" : ": " + message));
      }
      return o;
    } catch (Exception e) {
      return new JsonObject().put("unavailable", Http.reason(e));
    }
  }

  private MultiMap headers() {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (token != null) h.add("x-admin-token", token);
    return h;
  }
}
