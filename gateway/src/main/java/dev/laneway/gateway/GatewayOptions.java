package dev.laneway.gateway;

import dev.laneway.topology.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every gateway option, with its default. Each is a {@code --flag VALUE} (or {@code --flag=VALUE}); the README lists
 * them all from {@link #HELP}.
 *
 * @param topology a topology file, or null for the embedded default
 * @param policy a routing policy file, or null for the embedded default
 * @param maxBodyBytes largest request body; beyond it the answer is 413
 * @param maxTexts most texts in one request; beyond it the answer is 400
 * @param defaultTimeout the deadline of a request that sets none
 * @param drainTimeout how long SIGTERM waits for accepted work before exiting
 */
public record GatewayOptions(
    String host,
    int httpPort,
    int grpcPort,
    int metricsPort,
    Path topology,
    Path policy,
    long maxBodyBytes,
    int maxTexts,
    Duration defaultTimeout,
    Duration drainTimeout,
    String logLevel) {

  public static final String HELP =
      """
      Usage: laneway [options]
        --host ADDR              address the listeners bind (default 0.0.0.0)
        --http-port N            Open Inference Protocol REST + OpenAI (default 8000; 0 picks a free port)
        --grpc-port N            Open Inference Protocol gRPC (default 8001; 0 picks a free port)
        --metrics-port N         Prometheus /metrics (default 8002; 0 picks a free port)
        --topology FILE          topology YAML (default: the embedded default)
        --policy FILE            routing policy YAML (default: the embedded default)
        --max-body-bytes N       largest request body, larger gets 413 (default 16777216)
        --max-texts N            most texts in one request, more gets 400 (default 1024)
        --default-timeout D      deadline of a request that sets none (default 30s)
        --drain-timeout D        on SIGTERM, how long to finish accepted work (default 30s)
        --log-level L            SEVERE, WARNING, INFO, FINE (default INFO)
        --help                   this text
      """;

  public GatewayOptions {
    port("http-port", httpPort);
    port("grpc-port", grpcPort);
    port("metrics-port", metricsPort);
    if (maxBodyBytes < 1024) throw new IllegalArgumentException("--max-body-bytes: " + maxBodyBytes + " (expected: >= 1024)");
    if (maxTexts < 1) throw new IllegalArgumentException("--max-texts: " + maxTexts + " (expected: >= 1)");
    if (defaultTimeout.isNegative() || defaultTimeout.isZero()) {
      throw new IllegalArgumentException("--default-timeout: " + defaultTimeout + " (expected: > 0)");
    }
    if (drainTimeout.isNegative()) throw new IllegalArgumentException("--drain-timeout: " + drainTimeout + " (expected: >= 0)");
  }

  private static void port(String name, int p) {
    if (p < 0 || p > 65535) throw new IllegalArgumentException("--" + name + ": " + p + " (expected: 0..65535)");
  }

  public static GatewayOptions defaults() {
    return new GatewayOptions("0.0.0.0", 8000, 8001, 8002, null, null, 16L << 20, 1024,
        Duration.ofSeconds(30), Duration.ofSeconds(30), "INFO");
  }

  /** For tests: every listener on 127.0.0.1 and a free port. */
  public static GatewayOptions ephemeral() {
    return defaults().with("host", "127.0.0.1").with("http-port", "0").with("grpc-port", "0").with("metrics-port", "0");
  }

  public static GatewayOptions parse(String... args) {
    GatewayOptions o = defaults();
    List<String> rest = new ArrayList<>(List.of(args));
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < rest.size(); i++) {
      String a = rest.get(i);
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + HELP);
      String name;
      String value;
      int eq = a.indexOf('=');
      if (eq > 0) {
        name = a.substring(2, eq);
        value = a.substring(eq + 1);
      } else {
        name = a.substring(2);
        if (i + 1 >= rest.size()) throw new IllegalArgumentException("--" + name + ": missing value\n" + HELP);
        value = rest.get(++i);
      }
      given.put(name, value);
    }
    for (Map.Entry<String, String> e : given.entrySet()) {
      o = o.with(e.getKey(), e.getValue());
    }
    return o;
  }

  /** This options with one option changed, by its flag name. */
  public GatewayOptions with(String flag, String value) {
    try {
      return switch (flag) {
        case "host" -> new GatewayOptions(value, httpPort, grpcPort, metricsPort, topology, policy, maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "http-port" -> new GatewayOptions(host, Integer.parseInt(value), grpcPort, metricsPort, topology, policy, maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "grpc-port" -> new GatewayOptions(host, httpPort, Integer.parseInt(value), metricsPort, topology, policy, maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "metrics-port" -> new GatewayOptions(host, httpPort, grpcPort, Integer.parseInt(value), topology, policy, maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "topology" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, Path.of(value), policy, maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "policy" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, Path.of(value), maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "max-body-bytes" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, policy, Long.parseLong(value), maxTexts, defaultTimeout, drainTimeout, logLevel);
        case "max-texts" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, policy, maxBodyBytes, Integer.parseInt(value), defaultTimeout, drainTimeout, logLevel);
        case "default-timeout" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, policy, maxBodyBytes, maxTexts, Durations.parse(value), drainTimeout, logLevel);
        case "drain-timeout" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, policy, maxBodyBytes, maxTexts, defaultTimeout, Durations.parse(value), logLevel);
        case "log-level" -> new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, policy, maxBodyBytes, maxTexts, defaultTimeout, drainTimeout, value);
        default -> throw new IllegalArgumentException("unknown option --" + flag + "\n" + HELP);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + flag + ": '" + value + "' (expected: a number)");
    }
  }
}
