package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With {@code --admin-token} set, the admin API wants it in {@code x-admin-token}: 401 otherwise, even on loopback. */
class AdminTokenTest {
  static Gateway gateway;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path topology = Path.of(AdminTokenTest.class.getResource("/one-lane-topology.yaml").toURI());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("admin-token", "s3cret").with("watch", "false"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static HttpResponse<String> lanes(String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/v2/admin/lanes"));
    if (token != null) b.header("x-admin-token", token);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminApi_refusesAMissingOrWrongToken() throws Exception {
    assertEquals(401, lanes(null).statusCode());
    assertEquals(401, lanes("guess").statusCode());
    HttpResponse<String> ok = lanes("s3cret");
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("\"id\":\"hk-cpu\""), ok.body());
    HttpResponse<String> reload = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.adminPort() + "/v2/admin/reload")).header("x-admin-token", "s3cret")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, reload.statusCode(), reload.body());
  }
}
