package dev.laneway.gateway;

import dev.laneway.gateway.GatewayOptions.Option;
import java.util.List;

/**
 * Every gateway option's flag, placeholder, default, help line, checking parser and record component: the one table
 * {@link GatewayOptions} parses by and prints as its help, in help order. The README's options table lists the same.
 */
final class OptionTable {
  private OptionTable() {}

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
          (b, v) -> b.eventLoops = (int) Flags.atLeast(v, 0), GatewayOptions::eventLoopsGiven),
      new Option("cache-max-bytes", "N", "67108864", "per-input embedding cache bound, in bytes; 0 disables the cache",
          (b, v) -> b.cacheMaxBytes = Flags.atLeast(v, 0), GatewayOptions::cacheMaxBytes),
      new Option("cache-ttl", "D", "10m", "how long a cached vector is served; 0 disables the cache",
          (b, v) -> b.cacheTtl = Flags.duration(v), GatewayOptions::cacheTtl),
      new Option("log-level", "L", "INFO", "SEVERE, WARNING, INFO, FINE",
          (b, v) -> b.logLevel = Flags.logLevel(v), GatewayOptions::logLevel),
      new Option("admin-token", "T", "", "x-admin-token for /v2/admin on --admin-port (empty: loopback clients only)",
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
      // operating by SLOs: the objectives, shedding by their burn, the status page's trace links
      new Option("slo", "FILE", "", "SLO file: objectives per latency class, alerting, shedding (empty: the embedded "
          + "default)", (b, v) -> b.slo = Flags.path(v), GatewayOptions::slo),
      new Option("slo-shedding", "B", "true", "shed batch, then standard, while the protected SLO burns (the SLO "
          + "file's shedding section)", (b, v) -> b.sloShedding = Flags.bool(v), GatewayOptions::sloShedding),
      new Option("trace-url", "URL", "", "the status page's link per slow request, {trace_id} replaced, e.g. "
          + "http://localhost:9411/zipkin/traces/{trace_id} (empty: no links)",
          (b, v) -> b.traceUrl = Flags.traceUrl(v), GatewayOptions::traceUrl),
      // TLS (README "TLS and keys"): one certificate for every listener, reloaded when its files change
      new Option("tls-cert", "FILE", "", "PEM certificate chain of the listeners (with --tls-key: HTTPS, gRPC over TLS)",
          (b, v) -> b.tlsCert = Flags.path(v), GatewayOptions::tlsCert),
      new Option("tls-key", "FILE", "", "PEM (PKCS#8) private key of --tls-cert",
          (b, v) -> b.tlsKey = Flags.path(v), GatewayOptions::tlsKey),
      new Option("tls-required", "B", "false", "refuse plaintext listeners and remote lanes without tls, at start "
          + "and reload (also the topology's tls_required)",
          (b, v) -> b.tlsRequired = Flags.bool(v), GatewayOptions::tlsRequired),
      new Option("allow-plaintext-keys", "B", "false", "accept api_keys in clear text in the policy (with a warning); "
          + "false: only sha256:<hex> entries load",
          (b, v) -> b.allowPlaintextKeys = Flags.bool(v), GatewayOptions::allowPlaintextKeys),
      // the admin door: its own listener, loopback by default (README "TLS and keys")
      new Option("admin-port", "N", "8003", "the admin API (/v2/admin: lanes, faults, reload, tenants); 0 picks a free port",
          (b, v) -> b.adminPort = Flags.port(v), GatewayOptions::adminPort),
      new Option("admin-host", "ADDR", "127.0.0.1", "address the admin listener binds (loopback: this machine only)",
          (b, v) -> b.adminHost = v, GatewayOptions::adminHost),
      new Option("admin-token-file", "FILE", "", "a file holding the admin token (x-admin-token); kept out of the "
          + "process list, unlike --admin-token",
          (b, v) -> b.adminTokenFile = Flags.path(v), GatewayOptions::adminTokenFile),
      new Option("tls-client-ca", "FILE", "", "PEM CA(s) whose client certificates the listeners ask for (mutual "
          + "TLS, e.g. a node trusting its gateways, or services named by their certificates; old and new CA in one "
          + "file while rotating)",
          (b, v) -> b.tlsClientCa = Flags.path(v), GatewayOptions::tlsClientCa),
      new Option("tls-client-identities", "LIST", "", "comma-separated SANs a client certificate must name one of "
          + "(e.g. spiffe://laneway/gateway/hk); empty: any from --tls-client-ca",
          (b, v) -> b.tlsClientIdentities = Flags.list(v), GatewayOptions::tlsClientIdentities),
      new Option("tls-client-auth", "MODE", "require-grpc", "with --tls-client-ca: require-grpc (gRPC requires a "
          + "client certificate, REST asks for one), request (both ask; callers without one are served) or require",
          (b, v) -> b.tlsClientAuth = dev.laneway.gateway.security.ClientCerts.Mode.parse(v),
          GatewayOptions::tlsClientAuth),
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
          (b, v) -> b.driftSanityRate = Flags.ratio(v), GatewayOptions::driftSanityRate),
      // start-up (README "Start-up"): what ready waits for, and what makes a restart cheaper
      new Option("session-cache", "DIR", "~/.cache/laneway/sessions", "keeps ONNX Runtime's optimized models across "
          + "starts (a restart loads them instead of optimizing again); empty: optimize at every start",
          (b, v) -> b.sessionCache = Flags.cacheFile(v), GatewayOptions::sessionCache),
      new Option("specialised-after-ready", "B", "true", "ready once every model has a warm lane: specialised lanes "
          + "whose variants general lanes also serve are admitted and warmed after, and join when warm (false: every "
          + "lane warm before ready; a node always waits for every lane)",
          (b, v) -> b.specialisedAfterReady = Flags.bool(v), GatewayOptions::specialisedAfterReady),
      new Option("warm-up", "D", "1s", "before ready, send the gateway's own requests through its pipeline for at "
          + "most this long, so the JIT has compiled the request path when traffic comes (a node: OIP gRPC naming "
          + "each of its lanes, as gateways call it; 0: none)",
          (b, v) -> b.warmUp = Flags.duration(v), GatewayOptions::warmUp),
      new Option("warm-up-requests", "N", "4", "the self warm-up ends once each variant (a node: each lane's variant) "
          + "has answered this many of its requests, or after --warm-up, whichever comes first (0: all of --warm-up)",
          (b, v) -> b.warmUpRequests = (int) Math.min(Integer.MAX_VALUE, Flags.atLeast(v, 0)),
          GatewayOptions::warmUpRequests),
      new Option("exit-when-ready", "B", "false", "once ready and every joining lane has joined (or failed to), drain "
          + "and exit 0: fills the session, admission and ahead-of-time caches without serving (an image build; the "
          + "launcher's background training of its cache)",
          (b, v) -> b.exitWhenReady = Flags.bool(v), GatewayOptions::exitWhenReady));
}
