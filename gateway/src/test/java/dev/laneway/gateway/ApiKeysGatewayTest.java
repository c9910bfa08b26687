package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.gateway.security.KeysCommand;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hashed API keys end to end: {@code laneway keys new} prints a key and the policy line; a gateway on that policy
 * takes the key (and the tenant's second, older key while it rotates), refuses any other with the same answer whether
 * or not a key exists, and a policy with a key in clear text does not start without {@code --allow-plaintext-keys}.
 */
class ApiKeysGatewayTest {
  @TempDir static Path dir;
  static Gateway gateway;
  static String newKey;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static String[] keysNew(String tenant) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = KeysCommand.run(new String[] {"new", tenant}, new BufferedReader(new StringReader("")),
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, rc);
    return out.toString(StandardCharsets.UTF_8).split("\n");
  }

  static Path topology() throws Exception {
    return Path.of(ApiKeysGatewayTest.class.getResource("/one-lane-topology.yaml").toURI());
  }

  @BeforeAll
  static void start() throws Exception {
    String[] printed = keysNew("acme");
    newKey = printed[1];
    String entry = printed[4].substring(printed[4].indexOf('[') + 1, printed[4].indexOf(']'));
    assertEquals("  - id: acme", printed[3]);
    String old = dev.laneway.routing.ApiKeys.sha256("acme-old-key");
    Path policy = Files.writeString(dir.resolve("policy.yaml"), """
        require_api_key: true
        tenants:
          - id: acme
            api_keys: [%s, %s]
        rules:
          - name: all
            lanes: [{lane: hk-cpu}]
        """.formatted(entry, old));
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology().toString())
        .with("policy", policy.toString()).with("watch", "false"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static HttpResponse<String> infer(String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort()
        + "/v2/models/all-minilm-l6-v2/infer")).POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of("k"))))
        .timeout(Duration.ofSeconds(60));
    if (key != null) b.header("x-api-key", key);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theNewKey_andTheOlderOne_areTaken_othersRefusedAlike() throws Exception {
    assertEquals(200, infer(newKey).statusCode());
    assertEquals(200, infer("acme-old-key").statusCode());
    HttpResponse<String> unknown = infer("lw_guessed");
    HttpResponse<String> theHash = infer(dev.laneway.routing.ApiKeys.sha256(newKey));
    assertEquals(401, unknown.statusCode());
    assertEquals(401, theHash.statusCode(), "the policy's entry is not a key");
    assertEquals(unknown.body(), theHash.body());
    assertEquals(401, infer(null).statusCode());
  }

  @Test
  void failedAuthentications_slowTheSourceDown_whateverKeyItSendsNext() throws Exception {
    // from 127.0.0.2 (still loopback), so the other tests' address is not slowed
    HttpClient other = HttpClient.newBuilder().localAddress(java.net.InetAddress.getByName("127.0.0.2")).build();
    java.util.function.Function<String, HttpResponse<String>> from = key -> {
      try {
        return other.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort()
            + "/v2/models/all-minilm-l6-v2/infer")).header("x-api-key", key)
            .POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of("k")))).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    for (int i = 0; i < dev.laneway.gateway.security.AuthFailures.BURST; i++) {
      assertEquals(401, from.apply("lw_guess-" + i).statusCode());
    }
    HttpResponse<String> guess = from.apply("lw_guess-again");
    HttpResponse<String> right = from.apply(newKey);
    assertEquals(429, guess.statusCode(), guess.body());
    assertEquals(429, right.statusCode(), "a right key is not tested either while the source is slowed");
    assertEquals(guess.body(), right.body());
    assertTrue(guess.headers().firstValue("retry-after").isPresent(), guess.headers().map().toString());
    assertEquals(200, infer(newKey).statusCode(), "another address is not slowed");
  }

  @Test
  void clearTextKeys_refusedAtStart_unlessAllowed() throws Exception {
    Path clear = Files.writeString(dir.resolve("clear.yaml"), """
        tenants: [{id: old-style, api_keys: [my-clear-key]}]
        rules: [{name: all, lanes: [{lane: hk-cpu}]}]
        """);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gateway.start(
        GatewayOptions.ephemeral().with("topology", topology().toString()).with("policy", clear.toString())));
    assertTrue(e.getMessage().contains("api_keys in clear text for tenants [old-style] refused"), e.getMessage());
    assertTrue(e.getMessage().contains("--allow-plaintext-keys true"), e.getMessage());
  }

  @Test
  void keysHash_printsThePolicyEntryOfAKeyOnStdin() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, KeysCommand.run(new String[] {"hash"}, new BufferedReader(new StringReader("test\n")),
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    assertEquals("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
        out.toString(StandardCharsets.UTF_8));
    assertEquals(2, KeysCommand.run(new String[] {"new"}, new BufferedReader(new StringReader("")),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
  }
}
