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
 * <p>To add an option: a record component (with its accessor's javadoc), a {@link Builder} field, and one
 * {@link Option} line in {@link OptionTable}.
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
 * @param slo the SLO file, or null for the embedded default ({@code laneway/default-slo.yaml})
 * @param sloShedding whether admission sheds less urgent classes while the protected SLO burns (and the file's
 *     {@code shedding.enabled} says so too)
 * @param traceUrl the status page's link to a trace, {@code {trace_id}} replaced; empty: no links
 * @param tlsCert the listeners' PEM certificate chain, or null: plaintext
 * @param driftShadowRate the share of a non-reference variant's answers recomputed on the reference (shadow checks)
 * @param driftShadowPerMinute at most this many shadow checks a minute
 * @param driftWindow shadow checks (and answers, for the output check's rate) in a lane's drift window
 * @param driftSanityRate the share of a window's answers that may fail the output check before the lane is demoted
 * @param sessionCache where ONNX Runtime's optimized models persist across starts, or null to optimize at every start
 * @param specialisedAfterReady whether ready waits only for a warm lane per model (specialised lanes join after)
 * @param warmUp how long the gateway may send itself requests through its pipeline before it reports ready
 * @param warmUpRequests the self warm-up ends once each variant has answered this many (0: it runs all of warmUp)
 * @param exitWhenReady once ready (and every joining lane joined or failed), drain and exit 0: fills the caches a
 *     start writes (session, admission, the launcher's ahead-of-time cache) without serving
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
    Path slo,
    boolean sloShedding,
    String traceUrl,
    Path tlsCert,
    Path tlsKey,
    boolean tlsRequired,
    boolean allowPlaintextKeys,
    int adminPort,
    String adminHost,
    Path adminTokenFile,
    Path tlsClientCa,
    java.util.List<String> tlsClientIdentities,
    dev.laneway.gateway.security.ClientCerts.Mode tlsClientAuth,
    double driftShadowRate,
    int driftShadowPerMinute,
    int driftWindow,
    double driftSanityRate,
    Path sessionCache,
    boolean specialisedAfterReady,
    Duration warmUp,
    int warmUpRequests,
    boolean exitWhenReady) {

  /**
   * One option: its flag (without {@code --}), the placeholder shown in help, the default, the help line, how a
   * checked value is set on a {@link Builder} (the parser throws {@link IllegalArgumentException} saying what was
   * expected), and how it is read back (for {@link #toString}).
   */
  record Option(String flag, String arg, String defaultValue, String help, BiConsumer<Builder, String> set,
      Function<GatewayOptions, Object> get) {}

  /** Every option, in help order ({@link OptionTable}). */
  static final List<Option> OPTIONS = OptionTable.OPTIONS;

  public static final String HELP = help();

  /** The drift watch's options, from the {@code --drift-*} flags. */
  public dev.laneway.lanes.DriftWatch.Options driftOptions() {
    return new dev.laneway.lanes.DriftWatch.Options(driftShadowRate, driftShadowPerMinute, driftWindow,
        driftSanityRate);
  }

  /** {@code --event-loops} as given (0: one per core). */
  int eventLoopsGiven() {
    return eventLoops;
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
   * For tests: every listener on 127.0.0.1 and a free port, admission's and the session cache in a directory of this
   * JVM's own (under the system temp directory), never the user's {@code ~/.cache}, no SLO shedding, every lane warm
   * before ready and no self warm-up.
   */
  public static GatewayOptions ephemeral() {
    return defaults().with("host", "127.0.0.1").with("http-port", "0").with("grpc-port", "0").with("metrics-port", "0")
        .with("admin-port", "0").with("admission-cache", EphemeralCache.FILE.toString())
        .with("session-cache", EphemeralCache.FILE.resolveSibling("sessions").toString())
        // tests that wait for ready see every lane warm, specialised ones included (a test of joining turns it on)
        .with("specialised-after-ready", "false").with("warm-up", "0s")
        // a loaded test machine misses the default interactive SLO often; a test of shedding turns it on itself
        .with("slo-shedding", "false");
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
    Path slo;
    boolean sloShedding;
    String traceUrl;
    Path tlsCert;
    Path tlsKey;
    boolean tlsRequired;
    boolean allowPlaintextKeys;
    int adminPort;
    String adminHost;
    Path adminTokenFile;
    Path tlsClientCa;
    java.util.List<String> tlsClientIdentities;
    dev.laneway.gateway.security.ClientCerts.Mode tlsClientAuth;
    double driftShadowRate;
    int driftShadowPerMinute;
    int driftWindow;
    double driftSanityRate;
    Path sessionCache;
    boolean specialisedAfterReady;
    Duration warmUp;
    int warmUpRequests;
    boolean exitWhenReady;

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
      slo = o.slo;
      sloShedding = o.sloShedding;
      traceUrl = o.traceUrl;
      tlsCert = o.tlsCert;
      tlsKey = o.tlsKey;
      tlsRequired = o.tlsRequired;
      allowPlaintextKeys = o.allowPlaintextKeys;
      adminPort = o.adminPort;
      adminHost = o.adminHost;
      adminTokenFile = o.adminTokenFile;
      tlsClientCa = o.tlsClientCa;
      tlsClientIdentities = o.tlsClientIdentities;
      tlsClientAuth = o.tlsClientAuth;
      driftShadowRate = o.driftShadowRate;
      driftShadowPerMinute = o.driftShadowPerMinute;
      driftWindow = o.driftWindow;
      driftSanityRate = o.driftSanityRate;
      sessionCache = o.sessionCache;
      specialisedAfterReady = o.specialisedAfterReady;
      warmUp = o.warmUp;
      warmUpRequests = o.warmUpRequests;
      exitWhenReady = o.exitWhenReady;
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
          limitsRedisPrefix, limitsFailMode, limitsRegion, slo, sloShedding, traceUrl, tlsCert, tlsKey, tlsRequired,
          allowPlaintextKeys, adminPort, adminHost, adminTokenFile, tlsClientCa, tlsClientIdentities, tlsClientAuth,
          driftShadowRate, driftShadowPerMinute, driftWindow, driftSanityRate, sessionCache, specialisedAfterReady,
          warmUp, warmUpRequests, exitWhenReady);
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
