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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways of one region (two {@link Gateway} instances, each with its own Vert.x, lanes and Redis connection, on
 * their own ports) share a tenant's limits through a real {@code redis-server} started here ({@code .ci/run}
 * installs Debian's package): requests alternate between them until the shared budget refuses, and the tokens both
 * admitted add up to the budget within 5% and never beyond it. Then Redis is killed: for a tenant neither gateway
 * holds a lease of (a lease already taken keeps serving: that is what it is for), the gateway in fail mode {@code open}
 * (the default) goes on with its local limits, the one in {@code closed} refuses with 503 {@code limiter_unavailable},
 * and an unlimited tenant is served by both.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoGatewaysSharedLimitsTest {
  static final String MODEL = "all-minilm-l6-v2";
  static final int BUDGET = 600;
  static final String POLICY = """
      tenants:
        - id: shared
          api_keys: [sha256:159306884f395b60cc39cbd7396413c2d2240d3b0b4557a23f5819dce99d1326]  # sha256 of key-shared
          limits:
            budget: {tokens: %d, period: day}
        - id: later
          api_keys: [sha256:015904eb19638c93acfc0859eed6ed95376aa19cf77a416a0dbee1c6e399ecb9]  # sha256 of key-later
          limits:
            budget: {tokens: 100000, period: day}
        - id: free
          api_keys: [sha256:cdf2950a5edad453e6e2c0b6ca11e26839a861ac088ca7f937b655782129ee3d]  # sha256 of key-free
      rules:
        - name: any
          lanes: [{class: general}]
      """.formatted(BUDGET);
  @TempDir static Path dir;
  static RedisServer redis;
  static Gateway open;
  static Gateway closed;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    GatewayOptions o = GatewayOptions.ephemeral().with("policy", policy.toString())
        .with("limits-redis", redis.uri()).with("limits-redis-prefix", "two-gateways:");
    open = Gateway.start(o);
    closed = Gateway.start(o.with("limits-fail-mode", "closed"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (open != null) open.close();
    if (closed != null) closed.close();
    if (redis != null) redis.close();
  }

  static HttpResponse<String> infer(Gateway g, String key, String text) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/models/" + MODEL
        + "/infer")).header("x-api-key", key).POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of(text))))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void twoGateways_holdOneSharedBudget_within5Percent() throws Exception {
    long admitted = 0;
    int[] byGateway = new int[2];
    int refusedInARow = 0;
    for (int i = 0; refusedInARow < 2 && i < 1000; i++) {
      Gateway g = i % 2 == 0 ? open : closed;
      HttpResponse<String> r = infer(g, "key-shared", "request number " + i + " of the shared budget test");
      if (r.statusCode() == 200) {
        admitted += Integer.parseInt(new JsonObject(r.body()).getJsonObject("parameters").getString("token_counts"));
        byGateway[i % 2]++;
        refusedInARow = 0;
      } else {
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.body().contains("budget"), r.body());
        refusedInARow++;
      }
    }
    System.out.printf("two gateways, one budget of %d tokens: admitted %d (%.1f%%), requests %d + %d%n", BUDGET,
        admitted, 100.0 * admitted / BUDGET, byGateway[0], byGateway[1]);
    assertTrue(admitted <= BUDGET, "never beyond the shared budget: " + admitted);
    assertTrue(admitted >= BUDGET * 0.95, "within 5% of the budget: " + admitted);
    assertTrue(byGateway[0] > 0 && byGateway[1] > 0, "both gateways admitted some");
  }

  @Test
  @Order(2)
  void redisKilled_openGoesOnLocally_closedRefusesWith503() throws Exception {
    redis.kill();
    // a tenant neither gateway holds a lease for: its first request needs Redis
    HttpResponse<String> c = infer(closed, "key-later", "after redis");
    assertEquals(503, c.statusCode(), c.body());
    assertTrue(c.body().contains("Redis") || c.body().contains("limiter"), c.body());
    assertTrue(c.headers().firstValue("retry-after").isPresent());
    // open: the local limiter at this region's share takes over; the budget (local counters start fresh) admits
    HttpResponse<String> o = infer(open, "key-later", "after redis");
    assertEquals(200, o.statusCode(), o.body());
    assertEquals(200, infer(closed, "key-free", "unlimited").statusCode(), "a tenant without limits never waits on Redis");
  }
}
