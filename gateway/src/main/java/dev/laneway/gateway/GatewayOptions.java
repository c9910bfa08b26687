package dev.laneway.gateway;

import dev.laneway.topology.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every gateway option, parsed and checked: an immutable record. Each is a {@code --flag VALUE} (or
 * {@code --flag=VALUE}); {@link #HELP} and the README's options table list them all, and {@link #OPTIONS} is the one
 * table that gives each flag its placeholder, default, help line, checking parser and record component. A bad value
 * fails when it is set, with a message that names the flag and what was expected
 * ({@code --grpc-port: '70000' (expected: a port 0..65535)}).
 *
 * <p>To add an option: a record component (with its accessor's javadoc) and one {@link Option} line.
 *
 * @param topology a topology file, or null for the embedded default
 * @param policy a routing policy file, or null for the embedded default
 * @param eventLoops event loops per listener as given; {@link #eventLoops()} resolves 0 to one per core
 * @param adminToken the admin API's token; empty: the admin API answers loopback clients only
 * @param watch whether the given policy and topology files are watched and reloaded on change
 * @param admissionCache where admission's measured cosines persist, or null to measure them at every start
 * @param remoteProbeInterval how often the gateway probes each remote lane's node ({@code ServerReady}); zero: never
 * @param nodeRegion the region an executor node serves ({@code laneway node --region R}), or null for a gateway
 * @param nodeDelay a node's artificial delay per request (the declared RTT on loopback); zero for none
 * @param otelServiceName the service name of traces and metrics, or null: then {@code OTEL_SERVICE_NAME}, else
 *     {@code laneway-gateway}
 * @param limitsRedis a Redis URI the gateways of a region share tenants' limits through, or null: limits are this
 *     process's own
 * @param limitsRedisPrefix the prefix of the limiter's Redis keys
 * @param limitsFailMode what tenants' limits do while Redis is unreachable: {@code open} (each gateway enforces its
 *     region's share locally) or {@code closed} (refuse limited tenants with 503)
 * @param limitsRegion the region whose share of each tenant's limits this gateway enforces, or null: the topology's
 *     local region
 * @param driftShadowRate the share of a non-reference variant's answers recomputed on the reference (shadow checks)
 * @param driftShadowPerMinute at most this many shadow checks a minute
 * @param driftWindow shadow checks (and answers, for the output check's rate) in a lane's drift window
 * @param driftSanityRate the share of a window's answers that may fail the output check before the lane is demoted
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
    int eventLoops,
    long cacheMaxBytes,
    Duration cacheTtl,
    String logLevel,
    String adminToken,
    boolean watch,
    Path admissionCache,
    Duration remoteProbeInterval,
    String nodeRegion,
    Duration nodeDelay,
    String otelTracesExporter,
    String otelExporterOtlpEndpoint,
    String otelExporterZipkinEndpoint,
    String otelTracesSampler,
    String otelTracesSamplerArg,
    String otelServiceName,
    String limitsRedis,
    String limitsRedisPrefix,
    String limitsFailMode,
    String limitsRegion,
    double driftShadowRate,
    int driftShadowPerMinute,
    int driftWindow,
    double driftSanityRate) {

  /**
   * One option: its flag (without {@code --}), the placeholder shown in help, the default, the help line, how a
   * checked value is set on a {@link Builder} (the parser throws {@link IllegalArgumentException} saying what was
   * expected), and how it is read back (for {@link #toString}).
   */
  record Option(String flag, String arg, String defaultValue, String help, BiConsumer<Builder, String> set,
      Function<GatewayOptions, Object> get) {}

  static final List<Option> OPTIONS = List.of(
      new Option("host", "ADDR", "0.0.0.0", "address the listeners bind", (b, v) -> b.host = v, GatewayOptions::host),
      new Option("http-port", "N", "8000", "Open Inference Protocol REST + OpenAI; 0 picks a free port",
          (b, v) -> b.httpPort = Flags.port(v), GatewayOptions::httpPort),
      new Option("grpc-port", "N", "8001", "Open Inference Protocol gRPC; 0 picks a free port",
          (b, v) -> b.grpcPort = Flags.port(v), GatewayOptions::grpcPort),
      new Option("metrics-port", "N", "8002", "Prometheus /metrics; 0 picks a free port",
          (b, v) -> b.metricsPort = Flags.port(v), GatewayOptions::metricsPort),
      new Option("topology", "FILE", "", "topology YAML (empty: the embedded default)",
          (b, v) -> b.topology = Flags.path(v), GatewayOptions::topology),
      new Option("policy", "FILE", "", "routing policy YAML (empty: the embedded default)",
          (b, v) -> b.policy = Flags.path(v), GatewayOptions::policy),
      new Option("max-body-bytes", "N", "16777216", "largest request body; larger gets 413",
          (b, v) -> b.maxBodyBytes = Flags.atLeast(v, 1024), GatewayOptions::maxBodyBytes),
      new Option("max-texts", "N", "1024", "most texts in one request; more gets 400",
          (b, v) -> b.maxTexts = (int) Flags.atLeast(v, 1), GatewayOptions::maxTexts),
      new Option("default-timeout", "D", "30s", "deadline of a request that sets none",
          (b, v) -> b.defaultTimeout = Flags.positive(v), GatewayOptions::defaultTimeout),
      new Option("drain-timeout", "D", "30s", "on SIGTERM, how long to finish accepted work",
          (b, v) -> b.drainTimeout = Flags.duration(v), GatewayOptions::drainTimeout),
      new Option("event-loops", "N", "0", "event loops serving each of the HTTP and gRPC ports; 0: one per core",
          (b, v) -> b.eventLoops = (int) Flags.atLeast(v, 0), o -> o.eventLoops),
      new Option("cache-max-bytes", "N", "67108864", "per-input embedding cache bound, in bytes; 0 disables the cache",
          (b, v) -> b.cacheMaxBytes = Flags.atLeast(v, 0), GatewayOptions::cacheMaxBytes),
      new Option("cache-ttl", "D", "10m", "how long a cached vector is served; 0 disables the cache",
          (b, v) -> b.cacheTtl = Flags.duration(v), GatewayOptions::cacheTtl),
      new Option("log-level", "L", "INFO", "SEVERE, WARNING, INFO, FINE",
          (b, v) -> b.logLevel = Flags.logLevel(v), GatewayOptions::logLevel),
      new Option("admin-token", "T", "", "x-admin-token for /v2/admin (empty: loopback clients only)",
          (b, v) -> b.adminToken = v, GatewayOptions::adminToken),
      new Option("watch", "B", "true", "reload --policy/--topology files when they change",
          (b, v) -> b.watch = Flags.bool(v), GatewayOptions::watch),
      new Option("admission-cache", "FILE", "~/.cache/laneway/admission.properties",
          "keeps NPU admission's measured cosines across starts; empty: measure at every start",
          (b, v) -> b.admissionCache = Flags.cacheFile(v), GatewayOptions::admissionCache),
      new Option("remote-probe-interval", "D", "2s", "ServerReady probe of each remote lane's node; 0 disables probes",
          (b, v) -> b.remoteProbeInterval = Flags.duration(v), GatewayOptions::remoteProbeInterval),
      new Option("region", "R", "", "node only (laneway node): the region whose local lanes this node serves",
          (b, v) -> b.nodeRegion = v.isEmpty() ? null : v, GatewayOptions::nodeRegion),
      new Option("node-delay", "D", "0s", "node only: added before each request runs (a declared RTT, for tests)",
          (b, v) -> b.nodeDelay = Flags.duration(v), GatewayOptions::nodeDelay),
      // OpenTelemetry: empty means "not given here", so OTEL_* environment variables and -Dotel.* properties apply
      new Option("otel-traces-exporter", "E", "", "none, otlp, zipkin, console (empty: OTEL_TRACES_EXPORTER, else none)",
          (b, v) -> b.otelTracesExporter = Flags.tracesExporter(v), GatewayOptions::otelTracesExporter),
      new Option("otel-exporter-otlp-endpoint", "URL", "",
          "OTLP collector (empty: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318)",
          (b, v) -> b.otelExporterOtlpEndpoint = Flags.url(v), GatewayOptions::otelExporterOtlpEndpoint),
      new Option("otel-exporter-zipkin-endpoint", "URL", "",
          "Zipkin spans URL (empty: OTEL_EXPORTER_ZIPKIN_ENDPOINT, else http://localhost:9411/api/v2/spans)",
          (b, v) -> b.otelExporterZipkinEndpoint = Flags.url(v), GatewayOptions::otelExporterZipkinEndpoint),
      new Option("otel-traces-sampler", "S", "",
          "always_on, always_off, traceidratio, parentbased_* (empty: OTEL_TRACES_SAMPLER, else parentbased_always_on)",
          (b, v) -> b.otelTracesSampler = Flags.sampler(v), GatewayOptions::otelTracesSampler),
      new Option("otel-traces-sampler-arg", "X", "",
          "the sampler's argument, e.g. 0.1 for traceidratio (empty: OTEL_TRACES_SAMPLER_ARG)",
          (b, v) -> b.otelTracesSamplerArg = Flags.samplerArg(v), GatewayOptions::otelTracesSamplerArg),
      new Option("otel-service-name", "NAME", "",
          "service.name of spans and metrics (empty: OTEL_SERVICE_NAME, else laneway-gateway)",
          (b, v) -> b.otelServiceName = v.isEmpty() ? null : v, GatewayOptions::otelServiceName),
      // tenants' limits (the policy's tenants[].limits): where their counters live
      new Option("limits-redis", "URI", "", "Redis the region's gateways share tenants' limits through, e.g. "
          + "redis://127.0.0.1:6379 (empty: each gateway counts alone)",
          (b, v) -> b.limitsRedis = Flags.redisUri(v), GatewayOptions::limitsRedis),
      new Option("limits-redis-prefix", "P", "laneway:limits:", "prefix of the limiter's Redis keys",
          (b, v) -> b.limitsRedisPrefix = v, GatewayOptions::limitsRedisPrefix),
      new Option("limits-fail-mode", "M", "open", "while Redis is unreachable: open (local limits at this region's "
          + "share) or closed (limited tenants get 503)",
          (b, v) -> b.limitsFailMode = Flags.oneOf(v, "open", "closed"), GatewayOptions::limitsFailMode),
      new Option("limits-region", "R", "", "the region whose share of tenants' limits this gateway enforces "
          + "(empty: the topology's local region)",
          (b, v) -> b.limitsRegion = v.isEmpty() ? null : v, GatewayOptions::limitsRegion),
      // drift (issue 18): shadow checks against the reference variant, demotion and re-admission
      new Option("drift-shadow-rate", "X", "0.01", "share of a non-reference variant's answers recomputed on the "
          + "reference variant in spare capacity (0: no shadow checks)",
          (b, v) -> b.driftShadowRate = Flags.ratio(v), GatewayOptions::driftShadowRate),
      new Option("drift-shadow-per-minute", "N", "60", "at most this many shadow checks a minute",
          (b, v) -> b.driftShadowPerMinute = (int) Flags.atLeast(v, 0), GatewayOptions::driftShadowPerMinute),
      new Option("drift-window", "N", "50", "shadow checks (and answers) in a lane's drift window: demoted when a full "
          + "window's mean cosine is below the lane's admission min_cosine, re-admitted after a full window recovers",
          (b, v) -> b.driftWindow = (int) Flags.atLeast(v, 1), GatewayOptions::driftWindow),
      new Option("drift-sanity-rate", "X", "0.05", "share of a window's answers that may fail the output check "
          + "(non-finite, norm off) before the lane is demoted for the variant",
          (b, v) -> b.driftSanityRate = Flags.ratio(v), GatewayOptions::driftSanityRate));

  public static final String HELP = help();

  /** The drift watch's options, from the {@code --drift-*} flags. */
  public dev.laneway.lanes.DriftWatch.Options driftOptions() {
    return new dev.laneway.lanes.DriftWatch.Options(driftShadowRate, driftShadowPerMinute, driftWindow,
        driftSanityRate);
  }

  /** Event loops per listener: {@code --event-loops}, or one per core when 0. */
  @Override
  public int eventLoops() {
    return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
  }

  /**
   * The {@code --otel-*} flags that were given, as OpenTelemetry autoconfigure properties
   * ({@code otel.traces.exporter}, …): they win over the environment and system properties.
   */
  public Map<String, String> otelOverrides() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "otel.traces.exporter", otelTracesExporter);
    put(m, "otel.exporter.otlp.endpoint", otelExporterOtlpEndpoint);
    put(m, "otel.exporter.zipkin.endpoint", otelExporterZipkinEndpoint);
    put(m, "otel.traces.sampler", otelTracesSampler);
    put(m, "otel.traces.sampler.arg", otelTracesSamplerArg);
    put(m, "otel.service.name", otelServiceName);
    return Collections.unmodifiableMap(m);
  }

  private static void put(Map<String, String> m, String key, String value) {
    if (value != null && !value.isEmpty()) m.put(key, value);
  }

  /** Every option at its default. */
  public static GatewayOptions defaults() {
    Builder b = new Builder();
    for (Option o : OPTIONS) o.set().accept(b, o.defaultValue());
    return b.build();
  }

  /**
   * For tests: every listener on 127.0.0.1 and a free port, and admission's cache in a file of this JVM's own (under
   * the system temp directory, removed at exit), never the user's {@code ~/.cache}.
   */
  public static GatewayOptions ephemeral() {
    return defaults().with("host", "127.0.0.1").with("http-port", "0").with("grpc-port", "0").with("metrics-port", "0")
        .with("admission-cache", EphemeralCache.FILE.toString());
  }

  /** The admission cache of {@link #ephemeral()}: one per JVM, so the gateways of one test run share it. */
  private static final class EphemeralCache {
    static final Path FILE = create();

    private static Path create() {
      try {
        Path dir = java.nio.file.Files.createTempDirectory("laneway-test-");
        dir.toFile().deleteOnExit();
        Path file = dir.resolve("admission.properties");
        file.toFile().deleteOnExit();
        return file;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  public static GatewayOptions parse(String... args) {
    Builder b = new Builder(defaults());
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + HELP);
      int eq = a.indexOf('=');
      if (eq > 0) {
        b.set(a.substring(2, eq), a.substring(eq + 1));
      } else {
        if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": missing value\n" + HELP);
        b.set(a.substring(2), args[++i]);
      }
    }
    return b.build();
  }

  /** These options with one changed, by its flag name; the value is checked here. */
  public GatewayOptions with(String flag, String value) {
    return new Builder(this).set(flag, value).build();
  }

  @Override
  public String toString() {
    return OPTIONS.stream().map(o -> "--" + o.flag() + "=" + o.get().apply(this)).collect(Collectors.joining(" "));
  }

  /** The record's components while options are being set; each field is set only by its {@link Option}. */
  static final class Builder {
    String host;
    int httpPort;
    int grpcPort;
    int metricsPort;
    Path topology;
    Path policy;
    long maxBodyBytes;
    int maxTexts;
    Duration defaultTimeout;
    Duration drainTimeout;
    int eventLoops;
    long cacheMaxBytes;
    Duration cacheTtl;
    String logLevel;
    String adminToken;
    boolean watch;
    Path admissionCache;
    Duration remoteProbeInterval;
    String nodeRegion;
    Duration nodeDelay;
    String otelTracesExporter;
    String otelExporterOtlpEndpoint;
    String otelExporterZipkinEndpoint;
    String otelTracesSampler;
    String otelTracesSamplerArg;
    String otelServiceName;
    String limitsRedis;
    String limitsRedisPrefix;
    String limitsFailMode;
    String limitsRegion;
    double driftShadowRate;
    int driftShadowPerMinute;
    int driftWindow;
    double driftSanityRate;

    Builder() {}

    Builder(GatewayOptions o) {
      host = o.host;
      httpPort = o.httpPort;
      grpcPort = o.grpcPort;
      metricsPort = o.metricsPort;
      topology = o.topology;
      policy = o.policy;
      maxBodyBytes = o.maxBodyBytes;
      maxTexts = o.maxTexts;
      defaultTimeout = o.defaultTimeout;
      drainTimeout = o.drainTimeout;
      eventLoops = o.eventLoops;
      cacheMaxBytes = o.cacheMaxBytes;
      cacheTtl = o.cacheTtl;
      logLevel = o.logLevel;
      adminToken = o.adminToken;
      watch = o.watch;
      admissionCache = o.admissionCache;
      remoteProbeInterval = o.remoteProbeInterval;
      nodeRegion = o.nodeRegion;
      nodeDelay = o.nodeDelay;
      otelTracesExporter = o.otelTracesExporter;
      otelExporterOtlpEndpoint = o.otelExporterOtlpEndpoint;
      otelExporterZipkinEndpoint = o.otelExporterZipkinEndpoint;
      otelTracesSampler = o.otelTracesSampler;
      otelTracesSamplerArg = o.otelTracesSamplerArg;
      otelServiceName = o.otelServiceName;
      limitsRedis = o.limitsRedis;
      limitsRedisPrefix = o.limitsRedisPrefix;
      limitsFailMode = o.limitsFailMode;
      limitsRegion = o.limitsRegion;
      driftShadowRate = o.driftShadowRate;
      driftShadowPerMinute = o.driftShadowPerMinute;
      driftWindow = o.driftWindow;
      driftSanityRate = o.driftSanityRate;
    }

    /** Sets one option by its flag; the message of a bad value names the flag and what was expected. */
    Builder set(String flag, String value) {
      Option option = OPTIONS.stream().filter(o -> o.flag().equals(flag)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown option --" + flag + "\n" + HELP));
      try {
        option.set().accept(this, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--" + flag + ": '" + value + "' (expected: " + e.getMessage() + ")");
      }
      return this;
    }

    GatewayOptions build() {
      return new GatewayOptions(host, httpPort, grpcPort, metricsPort, topology, policy, maxBodyBytes, maxTexts,
          defaultTimeout, drainTimeout, eventLoops, cacheMaxBytes, cacheTtl, logLevel, adminToken, watch,
          admissionCache, remoteProbeInterval, nodeRegion, nodeDelay, otelTracesExporter, otelExporterOtlpEndpoint,
          otelExporterZipkinEndpoint, otelTracesSampler, otelTracesSamplerArg, otelServiceName, limitsRedis,
          limitsRedisPrefix, limitsFailMode, limitsRegion, driftShadowRate, driftShadowPerMinute, driftWindow,
          driftSanityRate);
    }
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
}
