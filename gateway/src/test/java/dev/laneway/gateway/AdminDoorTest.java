package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.gateway.security.AdminDoor;
import dev.laneway.routing.ApiKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin door apart: /v2/admin only on --admin-port, with the token from --admin-token-file; an inference key
 * opens nothing there (as x-api-key or as the token), the public port refuses every admin path whatever it is sent,
 * and every admin request is logged with who made it.
 */
class AdminDoorTest {
  static final String INFERENCE_KEY = "tenant-key-1";
  static final String TOKEN = "admin-s3cret-from-a-file";
  @TempDir static Path dir;
  static Gateway gateway;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final List<String> audit = new CopyOnWriteArrayList<>();
  static final Handler CAPTURE = new Handler() {
    @Override
    public void publish(LogRecord r) {
      audit.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void start() throws Exception {
    Logger.getLogger(AdminDoor.class.getName()).addHandler(CAPTURE);
    Path topology = Path.of(AdminDoorTest.class.getResource("/one-lane-topology.yaml").toURI());
    Path policy = Files.writeString(dir.resolve("policy.yaml"), """
        require_api_key: true
        tenants: [{id: t, api_keys: [%s]}]
        rules: [{name: all, lanes: [{lane: hk-cpu}]}]
        """.formatted(ApiKeys.sha256(INFERENCE_KEY)));
    Path tokenFile = Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()).with("admin-token-file", tokenFile.toString()).with("watch", "false"));
  }

  @AfterAll
  static void stop() {
    Logger.getLogger(AdminDoor.class.getName()).removeHandler(CAPTURE);
    if (gateway != null) gateway.close();
  }

  static HttpResponse<String> send(int port, String method, String path, String header, String value) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30));
    if (header != null) b.header(header, value);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void publicPort_refusesEveryAdminPath_whateverItIsSent() throws Exception {
    int pub = gateway.httpPort();
    assertEquals(404, send(pub, "GET", "/v2/admin/lanes", null, null).statusCode());
    assertEquals(404, send(pub, "GET", "/v2/admin/lanes", "x-admin-token", TOKEN).statusCode());
    assertEquals(404, send(pub, "POST", "/v2/admin/reload", "x-api-key", INFERENCE_KEY).statusCode());
    HttpResponse<String> tenants = send(pub, "GET", "/v2/admin/tenants", "x-admin-token", TOKEN);
    assertEquals(404, tenants.statusCode());
    assertTrue(tenants.body().contains("--admin-port"), tenants.body());
  }

  @Test
  void adminPort_anInferenceKeyOpensNothing_theTokenDoes() throws Exception {
    int admin = gateway.adminPort();
    assertEquals(401, send(admin, "GET", "/v2/admin/lanes", "x-api-key", INFERENCE_KEY).statusCode());
    assertEquals(401, send(admin, "GET", "/v2/admin/lanes", "x-admin-token", INFERENCE_KEY).statusCode());
    assertEquals(401, send(admin, "GET", "/v2/admin/lanes", "authorization", "Bearer " + INFERENCE_KEY).statusCode());
    HttpResponse<String> ok = send(admin, "GET", "/v2/admin/lanes", "x-admin-token", TOKEN);
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("\"id\":\"hk-cpu\""), ok.body());
    assertEquals(200, send(admin, "GET", "/v2/admin/tenants", "x-admin-token", TOKEN).statusCode());
    // and inference is not served on the admin door
    assertEquals(404, send(admin, "POST", "/v2/models/all-minilm-l6-v2/infer", "x-api-key", INFERENCE_KEY).statusCode());
  }

  @Test
  void everyAdminAction_isLoggedWithWhoMadeIt() throws Exception {
    int admin = gateway.adminPort();
    assertEquals(200, send(admin, "POST", "/v2/admin/devices/cpu0/offline", "x-admin-token", TOKEN).statusCode());
    assertEquals(200, send(admin, "POST", "/v2/admin/devices/cpu0/online", "x-admin-token", TOKEN).statusCode());
    assertEquals(401, send(admin, "POST", "/v2/admin/reload", "x-admin-token", "guess").statusCode());
    Await.until(() -> audit.stream().anyMatch(l -> l.contains("/v2/admin/reload")), Duration.ofSeconds(10),
        "the refused reload logged");
    assertTrue(audit.stream().anyMatch(l -> l.matches(
        "admin: POST /v2/admin/devices/cpu0/offline by the admin token's holder at 127\\.0\\.0\\.1:\\d+ -> 200")), audit.toString());
    assertTrue(audit.stream().anyMatch(l -> l.matches(
        "admin: POST /v2/admin/reload by a caller without the admin token at 127\\.0\\.0\\.1:\\d+ -> 401")), audit.toString());
  }
}
