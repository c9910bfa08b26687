package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboards under {@code deploy/grafana/} (executive, on-call, debug) and the generated rules under
 * {@code deploy/prometheus/}: every expression parses ({@code promtool check rules} on a rule file that records each
 * dashboard expression; promtool cannot parse PromQL alone) and names only metrics that exist: series a real gateway
 * exports (the three-lane test topology, after a few requests), the generated recording rules, and
 * {@code laneway_tls_certificate_expiry_seconds}, which the TLS listener exports.
 */
class DashboardsTest {
  static final Path ROOT = Files.isDirectory(Path.of("..", "deploy")) ? Path.of("..") : Path.of(".");
  static final List<String> DASHBOARDS = List.of("laneway-executive", "laneway-on-call", "laneway-debug");
  /** Exported by the TLS listener (its own change), not by a gateway without TLS. */
  static final Set<String> ELSEWHERE = Set.of("laneway_tls_certificate_expiry_seconds");
  /** Counters that appear at their first event (a drop): each must be in the README's metric table. */
  static final Set<String> AT_FIRST_EVENT = Set.of("laneway_drops_total");
  static final Pattern NAME = Pattern.compile("\\b((?:laneway[_:]|jvm_|process_)[A-Za-z0-9_:]*)");
  @TempDir static Path dir;
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    Path topology = Path.of(DashboardsTest.class.getResource("/routing-topology.yaml").toURI());
    Path policy = Path.of(DashboardsTest.class.getResource("/routing-policy.yaml").toURI());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  @Test
  void everyDashboard_hasPanels_andItsExpressionsParse() throws Exception {
    List<String> exprs = new ArrayList<>();
    for (String d : DASHBOARDS) {
      JsonObject dash = new JsonObject(Files.readString(ROOT.resolve("deploy/grafana/" + d + ".json")));
      assertEquals(d, dash.getString("uid"));
      List<String> own = expressions(dash);
      assertTrue(own.size() >= 5, d + " has its panels: " + own);
      exprs.addAll(own);
    }
    String promtool = TracingAndMetricsTest.onPath("promtool");
    assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus; .ci/run does): skipped");
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
    for (int i = 0; i < exprs.size(); i++) {
      rules.append("      - record: dashboard:expr_").append(i).append("\n        expr: ")
          .append(new JsonArray().add(exprs.get(i)).encode(), 1, new JsonArray().add(exprs.get(i)).encode().length() - 1)
          .append("\n");
    }
    Path file = dir.resolve("dashboards.rules.yaml");
    Files.writeString(file, rules);
    Process p = new ProcessBuilder(promtool, "check", "rules", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out + "\n" + rules);
    assertTrue(out.contains("SUCCESS: " + exprs.size() + " rules found"), out);
  }

  @Test
  void dashboardsAndRules_nameOnlyMetricsThatExist() throws Exception {
    Set<String> known = exported();
    String generated = Files.readString(ROOT.resolve("deploy/prometheus/laneway-rules.yaml"));
    Matcher m = Pattern.compile("(?m)^\\s*- record: (\\S+)$").matcher(generated);
    while (m.find()) known.add(m.group(1));
    known.addAll(ELSEWHERE);
    String readme = Files.readString(ROOT.resolve("README.md"));
    for (String n : AT_FIRST_EVENT) assertTrue(readme.contains("| `" + n + "` |"), n + " is a documented metric");
    known.addAll(AT_FIRST_EVENT);
    Set<String> unknown = new TreeSet<>();
    for (String d : DASHBOARDS) {
      for (String e : expressions(new JsonObject(Files.readString(ROOT.resolve("deploy/grafana/" + d + ".json"))))) {
        for (String n : names(e)) if (!known.contains(n)) unknown.add(d + ": " + n);
      }
    }
    Matcher r = Pattern.compile("(?m)^\\s+expr: (.*)$|^ {10}(\\S.*)$").matcher(generated);
    while (r.find()) {
      String e = r.group(1) != null ? r.group(1) : r.group(2);
      for (String n : names(e)) if (!known.contains(n)) unknown.add("laneway-rules.yaml: " + n);
    }
    assertEquals(Set.of(), unknown, "names no metric exports; known: " + known);
  }

  /** Metric names in a PromQL expression: label matchers and strings removed first. */
  static Set<String> names(String expr) {
    String bare = expr.replaceAll("\"[^\"]*\"", "\"\"").replaceAll("\\{[^}]*}", "").replaceAll("by \\([^)]*\\)", "");
    Set<String> out = new TreeSet<>();
    Matcher m = NAME.matcher(bare);
    while (m.find()) out.add(m.group(1));
    return out;
  }

  static List<String> expressions(JsonObject dashboard) {
    List<String> out = new ArrayList<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      for (Object t : ((JsonObject) p).getJsonArray("targets")) out.add(((JsonObject) t).getString("expr"));
    }
    return out;
  }

  /** Every sample name a real gateway exports after a few requests (one answered from the cache). */
  static Set<String> exported() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String text : List.of("dashboards one", "dashboards one", "dashboards two")) {
      String body = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "text")
          .put("datatype", "BYTES").put("shape", new JsonArray().add(1)).put("data", new JsonArray().add(text))))
          .encode();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort()
          + "/v2/models/all-minilm-l6-v2/infer")).POST(HttpRequest.BodyPublishers.ofString(body))
          .header("content-type", "application/json").timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    }
    Set<String> names = new TreeSet<>();
    for (String line : gateway.telemetry().prometheusText().lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int end = line.indexOf('{');
      names.add(line.substring(0, end > 0 ? end : line.indexOf(' ')));
    }
    assertTrue(names.containsAll(List.of("laneway_requests_total", "laneway_slo_burn_rate", "laneway_cache_hits_total",
        "laneway_admission_refused")), "the gateway exports what the test relies on: " + names);
    return names;
  }
}
