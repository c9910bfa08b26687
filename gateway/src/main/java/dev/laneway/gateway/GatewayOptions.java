package dev.laneway.gateway;

import dev.laneway.topology.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every gateway option, with its default. Each is a {@code --flag VALUE} (or {@code --flag=VALUE}); {@link #HELP} and
 * the README's options table list them all.
 *
 * <p>To add an option: one {@link Option} line in {@link #OPTIONS} (flag, placeholder, default, help, parser that
 * validates) and one typed accessor. Values are parsed and checked when set, so a bad flag fails at start-up with a
 * message that names it. Immutable; {@link #with} returns a copy.
 */
public final class GatewayOptions {

  /** One option: its flag (without {@code --}), the placeholder shown in help, the default, and a checking parser. */
  record Option(String flag, String arg, String defaultValue, String help, Function<String, ?> parse) {}

  static final List<Option> OPTIONS = List.of(
      new Option("host", "ADDR", "0.0.0.0", "address the listeners bind", v -> v),
      new Option("http-port", "N", "8000", "Open Inference Protocol REST + OpenAI; 0 picks a free port", GatewayOptions::port),
      new Option("grpc-port", "N", "8001", "Open Inference Protocol gRPC; 0 picks a free port", GatewayOptions::port),
      new Option("metrics-port", "N", "8002", "Prometheus /metrics; 0 picks a free port", GatewayOptions::port),
      new Option("topology", "FILE", "", "topology YAML (empty: the embedded default)", GatewayOptions::path),
      new Option("policy", "FILE", "", "routing policy YAML (empty: the embedded default)", GatewayOptions::path),
      new Option("max-body-bytes", "N", "16777216", "largest request body; larger gets 413", v -> atLeast(v, 1024)),
      new Option("max-texts", "N", "1024", "most texts in one request; more gets 400", v -> (int) atLeast(v, 1)),
      new Option("default-timeout", "D", "30s", "deadline of a request that sets none", v -> positive(v)),
      new Option("drain-timeout", "D", "30s", "on SIGTERM, how long to finish accepted work", GatewayOptions::duration),
      new Option("event-loops", "N", "0", "event loops serving each of the HTTP and gRPC ports; 0: one per core",
          v -> (int) atLeast(v, 0)),
      new Option("cache-max-bytes", "N", "67108864", "per-input embedding cache bound, in bytes; 0 disables the cache", v -> atLeast(v, 0)),
      new Option("cache-ttl", "D", "10m", "how long a cached vector is served; 0 disables the cache", GatewayOptions::duration),
      new Option("log-level", "L", "INFO", "SEVERE, WARNING, INFO, FINE", GatewayOptions::logLevel),
      new Option("admin-token", "T", "", "x-admin-token for /v2/admin (empty: loopback clients only)", v -> v),
      new Option("watch", "B", "true", "reload --policy/--topology files when they change", GatewayOptions::bool),
      new Option("admission-cache", "FILE", "~/.cache/laneway/admission.properties",
          "keeps NPU admission's measured cosines across starts; empty: measure at every start", GatewayOptions::cacheFile),
      // issue-8: regions across processes
      new Option("remote-probe-interval", "D", "2s", "ServerReady probe of each remote lane's node; 0 disables probes",
          GatewayOptions::duration),
      new Option("region", "R", "", "node only (laneway node): the region whose local lanes this node serves",
          v -> v),
      new Option("node-delay", "D", "0s", "node only: added before each request runs (a declared RTT, for tests)",
          GatewayOptions::duration),
      // OpenTelemetry: empty means "not given here", so OTEL_* environment variables and -Dotel.* properties apply
      new Option("otel-traces-exporter", "E", "", "none, otlp, zipkin, console (empty: OTEL_TRACES_EXPORTER, else none)",
          GatewayOptions::tracesExporter),
      new Option("otel-exporter-otlp-endpoint", "URL", "", "OTLP collector (empty: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318)",
          GatewayOptions::url),
      new Option("otel-exporter-zipkin-endpoint", "URL", "", "Zipkin spans URL (empty: OTEL_EXPORTER_ZIPKIN_ENDPOINT, else http://localhost:9411/api/v2/spans)",
          GatewayOptions::url),
      new Option("otel-traces-sampler", "S", "", "always_on, always_off, traceidratio, parentbased_* (empty: OTEL_TRACES_SAMPLER, else parentbased_always_on)",
          GatewayOptions::sampler),
      new Option("otel-traces-sampler-arg", "X", "", "the sampler's argument, e.g. 0.1 for traceidratio (empty: OTEL_TRACES_SAMPLER_ARG)",
          GatewayOptions::samplerArg),
      new Option("otel-service-name", "NAME", "", "service.name of spans and metrics (empty: OTEL_SERVICE_NAME, else laneway-gateway)",
          v -> v));

  public static final String HELP = help();

  private final Map<String, Object> values;

  private GatewayOptions(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public String host() {
    return (String) values.get("host");
  }

  public int httpPort() {
    return (Integer) values.get("http-port");
  }

  public int grpcPort() {
    return (Integer) values.get("grpc-port");
  }

  public int metricsPort() {
    return (Integer) values.get("metrics-port");
  }

  /** A topology file, or null for the embedded default. */
  public Path topology() {
    return (Path) values.get("topology");
  }

  /** A routing policy file, or null for the embedded default. */
  public Path policy() {
    return (Path) values.get("policy");
  }

  public long maxBodyBytes() {
    return (Long) values.get("max-body-bytes");
  }

  public int maxTexts() {
    return (Integer) values.get("max-texts");
  }

  public Duration defaultTimeout() {
    return (Duration) values.get("default-timeout");
  }

  public Duration drainTimeout() {
    return (Duration) values.get("drain-timeout");
  }

  public long cacheMaxBytes() {
    return (Long) values.get("cache-max-bytes");
  }

  public Duration cacheTtl() {
    return (Duration) values.get("cache-ttl");
  }

  public String logLevel() {
    return (String) values.get("log-level");
  }

  /** The admin API's token; empty: the admin API answers loopback clients only. */
  public String adminToken() {
    return (String) values.get("admin-token");
  }

  /** Where admission's measured cosines persist, or null to measure them at every start. */
  public Path admissionCache() {
    return (Path) values.get("admission-cache");
  }

  /** Whether the given policy and topology files are watched and reloaded on change. */
  public boolean watch() {
    return (Boolean) values.get("watch");
  }

  /** How often the gateway probes each remote lane's node ({@code ServerReady}); zero: never. */
  public Duration remoteProbeInterval() {
    return (Duration) values.get("remote-probe-interval");
  }

  /** The region an executor node serves ({@code laneway node --region R}), or null for a gateway. */
  public String nodeRegion() {
    String v = (String) values.get("region");
    return v.isEmpty() ? null : v;
  }

  /** A node's artificial delay per request (the declared RTT on loopback); zero for none. */
  public Duration nodeDelay() {
    return (Duration) values.get("node-delay");
  }

  /** The service name for traces and metrics, or null: then {@code OTEL_SERVICE_NAME}, else {@code laneway-gateway}. */
  public String otelServiceName() {
    String v = (String) values.get("otel-service-name");
    return v.isEmpty() ? null : v;
  }

  /**
   * The {@code --otel-*} flags that were given, as OpenTelemetry autoconfigure properties
   * ({@code otel.traces.exporter}, …): they win over the environment and system properties.
   */
  public Map<String, String> otelOverrides() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String flag : List.of("otel-traces-exporter", "otel-exporter-otlp-endpoint", "otel-exporter-zipkin-endpoint",
        "otel-traces-sampler", "otel-traces-sampler-arg", "otel-service-name")) {
      String v = (String) values.get(flag);
      if (!v.isEmpty()) m.put(flag.replace('-', '.'), v);
    }
    return Collections.unmodifiableMap(m);
  }

  public static GatewayOptions defaults() {
    Map<String, Object> v = new HashMap<>();
    for (Option o : OPTIONS) v.put(o.flag(), o.parse().apply(o.defaultValue()));
    return new GatewayOptions(v);
  }

  /** For tests: every listener on 127.0.0.1 and a free port. */
  /** Event loops per listener: {@code --event-loops}, or one per core when 0. */
  public int eventLoops() {
    int n = (Integer) values.get("event-loops");
    return n > 0 ? n : Runtime.getRuntime().availableProcessors();
  }

  public static GatewayOptions ephemeral() {
    return defaults().with("host", "127.0.0.1").with("http-port", "0").with("grpc-port", "0").with("metrics-port", "0");
  }

  public static GatewayOptions parse(String... args) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + HELP);
      int eq = a.indexOf('=');
      if (eq > 0) {
        given.put(a.substring(2, eq), a.substring(eq + 1));
      } else {
        if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": missing value\n" + HELP);
        given.put(a.substring(2), args[++i]);
      }
    }
    GatewayOptions o = defaults();
    for (Map.Entry<String, String> e : given.entrySet()) o = o.with(e.getKey(), e.getValue());
    return o;
  }

  /** This options with one option changed, by its flag name; the value is checked here. */
  public GatewayOptions with(String flag, String value) {
    Option option = OPTIONS.stream().filter(o -> o.flag().equals(flag)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown option --" + flag + "\n" + HELP));
    Object parsed;
    try {
      parsed = option.parse().apply(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + flag + ": '" + value + "' (expected: " + e.getMessage() + ")");
    }
    Map<String, Object> v = new HashMap<>(values);
    v.put(flag, parsed);
    return new GatewayOptions(v);
  }

  @Override
  public String toString() {
    return OPTIONS.stream().map(o -> "--" + o.flag() + "=" + values.get(o.flag())).collect(Collectors.joining(" "));
  }

  private static String help() {
    int width = 0;
    for (Option o : OPTIONS) width = Math.max(width, ("  --" + o.flag() + " " + o.arg()).length());
    String row = "%-" + (width + 1) + "s %s%s%n";
    StringBuilder b = new StringBuilder("Usage: laneway [options]        (laneway node --region R [options]: an executor node)\n");
    for (Option o : OPTIONS) {
      String def = o.defaultValue().isEmpty() ? "" : " (default " + o.defaultValue() + ")";
      b.append(String.format(row, "  --" + o.flag() + " " + o.arg(), o.help(), def));
    }
    return b.append(String.format(row, "  --help", "this text", "")).toString();
  }


  // parsers: each throws IllegalArgumentException whose message says what was expected

  static int port(String v) {
    int p = (int) number(v, "a port 0..65535");
    if (p < 0 || p > 65535) throw new IllegalArgumentException("a port 0..65535");
    return p;
  }

  static long atLeast(String v, long min) {
    long n = number(v, "a number >= " + min);
    if (n < min) throw new IllegalArgumentException("a number >= " + min);
    return n;
  }

  static Path path(String v) {
    return v.isEmpty() ? null : Path.of(v);
  }

  /** A file path with {@code ~/} for the home directory ({@code $XDG_CACHE_HOME} for {@code ~/.cache/}); empty: null. */
  static Path cacheFile(String v) {
    if (v.isEmpty()) return null;
    String xdg = System.getenv("XDG_CACHE_HOME");
    String cache = "~/.cache/";
    if (v.startsWith(cache) && xdg != null && !xdg.isEmpty()) return Path.of(xdg, v.substring(cache.length()));
    if (v.startsWith("~/")) return Path.of(System.getProperty("user.home"), v.substring(2));
    return Path.of(v);
  }

  static Duration duration(String v) {
    Duration d;
    try {
      d = Durations.parse(v);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a duration like 250ms, 30s, 2m");
    }
    if (d.isNegative()) throw new IllegalArgumentException("a duration >= 0");
    return d;
  }

  static Duration positive(String v) {
    Duration d = duration(v);
    if (d.isZero()) throw new IllegalArgumentException("a duration > 0");
    return d;
  }

  static boolean bool(String v) {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("true or false");
    };
  }

  private static String tracesExporter(String v) {
    String e = v.trim();
    if (e.equals("console")) e = "logging"; // the SDK's name for the span exporter that logs
    for (String part : e.split(",")) {
      switch (part.trim()) {
        case "", "none", "otlp", "zipkin", "logging", "logging-otlp" -> { }
        default -> throw new IllegalArgumentException("none, otlp, zipkin, console or logging");
      }
    }
    return e;
  }

  private static String url(String v) {
    if (v.isEmpty()) return v;
    try {
      java.net.URI u = new java.net.URI(v);
      if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null) {
        throw new IllegalArgumentException("an http(s) URL");
      }
      return v;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("an http(s) URL");
    }
  }

  private static String sampler(String v) {
    return switch (v) {
      case "", "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
          "parentbased_traceidratio" -> v;
      default -> throw new IllegalArgumentException(
          "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio");
    };
  }

  private static String samplerArg(String v) {
    if (v.isEmpty()) return v;
    try {
      double d = Double.parseDouble(v);
      if (d < 0 || d > 1) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a ratio 0..1");
    }
  }

  private static String logLevel(String v) {
    try {
      java.util.logging.Level.parse(v);
      return v;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("SEVERE, WARNING, INFO or FINE");
    }
  }

  private static long number(String v, String expected) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(expected);
    }
  }
}
