package dev.laneway.gateway.pipeline;

import dev.laneway.gateway.security.AuthFailures;
import dev.laneway.routing.CertificateIdentity;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingException;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.routing.Tenant;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline's first stage: a door's decoded request becomes an {@link InferenceCall}, the same way for every door.
 * Reads request parameters ({@code latency_class}, {@code region}, {@code priority}, {@code timeout} in microseconds as
 * Triton's schedule-policy extension, {@code lane}), headers or metadata ({@code x-laneway-latency-class},
 * {@code x-laneway-region}, {@code cache-control}, {@code x-api-key}), the client certificate, and a transport deadline (the earliest deadline
 * wins); captures the routing snapshot serving now and authenticates the caller on its policy, so the tenant is known
 * from here on. Stateless apart from its configuration; any thread.
 */
public final class Calls {
  public static final String LATENCY_HEADER = "x-laneway-latency-class";
  public static final String REGION_HEADER = "x-laneway-region";
  public static final String API_KEY_HEADER = "x-api-key";

  private final Routes routes;
  private final ClientRegion clientRegion;
  private final Duration defaultTimeout;
  private final Set<String> lanes;
  private final AuthFailures failures;

  /** @param lanes the lanes this process serves, which a node's {@code lane} parameter may name */
  public Calls(Routes routes, ClientRegion clientRegion, Duration defaultTimeout, Set<String> lanes) {
    this(routes, clientRegion, defaultTimeout, lanes,
        new AuthFailures(io.opentelemetry.api.OpenTelemetry.noop().getMeter("calls"), System::nanoTime));
  }

  /** @param failures failed authentications per source, which slow that source down */
  public Calls(Routes routes, ClientRegion clientRegion, Duration defaultTimeout, Set<String> lanes,
      AuthFailures failures) {
    this.failures = failures;
    this.routes = routes;
    this.clientRegion = clientRegion;
    this.defaultTimeout = defaultTimeout;
    this.lanes = Set.copyOf(lanes);
  }

  /**
   * The call a request makes.
   *
   * @throws GatewayException.BadRequest naming the parameter at fault
   * @throws RoutingException.Unauthorized for an unknown key, a missing one the policy requires (and no client
   *     certificate stands for), or a key and a certificate naming different tenants
   */
  public InferenceCall call(DoorRequest r) {
    Map<String, Object> parameters = r.parameters();
    Map<String, String> headers = r.headers();
    int priority = priority(parameters.get("priority"));
    // Triton's schedule-policy priority (1 highest) picks the latency class when the caller names none:
    // 1 interactive, 2 standard, 3 and lower batch; 0 (unset) standard
    String byPriority = switch (priority) {
      case 0, 2 -> "standard";
      case 1 -> "interactive";
      default -> "batch";
    };
    String latency = stringParam(parameters, "latency_class", headers.get(LATENCY_HEADER), byPriority);
    switch (latency) {
      case "interactive", "standard", "batch" -> { }
      default -> throw new GatewayException.BadRequest(
          "latency_class: '" + latency + "' (expected: interactive, standard or batch)");
    }
    String region = clientRegion.resolve(stringParam(parameters, "region", headers.get(REGION_HEADER), null),
        r.remoteAddress());
    long timeout = defaultTimeout.toNanos();
    Object t = parameters.get("timeout");
    if (t != null) {
      if (!(t instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() <= 0) {
        throw new GatewayException.BadRequest("parameters.timeout: '" + t + "' (expected: microseconds > 0)");
      }
      timeout = TimeUnit.MICROSECONDS.toNanos(n.longValue());
    }
    if (r.transportTimeoutNanos() > 0) timeout = Math.min(timeout, r.transportTimeoutNanos());
    Object lane = parameters.get("lane");
    if (lane != null) {
      // a gateway's remote lane names the node's lane; the node's policy routes on the header
      if (!(lane instanceof String l) || !lanes.contains(l)) {
        throw new GatewayException.BadRequest("parameters.lane: '" + lane + "' (expected: a lane this process serves: "
            + lanes.stream().sorted().toList() + ")");
      }
      headers = new HashMap<>(headers);
      headers.put(NodePolicy.LANE_HEADER, l);
    }
    boolean noCache = headers.getOrDefault("cache-control", "").toLowerCase(Locale.ROOT).contains("no-cache");
    Router snapshot = routes.current();
    Tenant tenant = authenticate(snapshot, headers, r.clientCertificate(), r.remoteAddress());
    return new InferenceCall(r.door(), r.id(), r.model(), r.version(), r.texts(), latency, region, tenant,
        System.nanoTime() + timeout, priority, headers, noCache, r.context(), snapshot, new TenantAdmission(tenant.id()));
  }

  /**
   * The caller's tenant: {@code x-api-key}, else OpenAI clients' {@code Authorization: Bearer KEY}, and the client
   * certificate the TLS session verified, when the policy names it ({@code client_certificates}). A bearer token that
   * names no tenant counts as no key (OpenAI clients must send one, often a placeholder, to a gateway that runs open);
   * so does a certificate that names no tenant. A certificate's tenant stands for a key (required keys included); a key
   * and a certificate naming different tenants are refused, as is an unknown {@code x-api-key}; each refusal is counted
   * against the source address ({@link AuthFailures}: too many and the source is refused every request for a while,
   * 429).
   */
  private Tenant authenticate(Router snapshot, Map<String, String> headers, CertificateIdentity certificate,
      String source) {
    long wait = failures.waitNanos(source);
    if (wait > 0) {
      throw new GatewayException.RateLimited("auth_failures", "too many failed authentications from this address",
          wait);
    }
    try {
      return authenticate(snapshot.policy(), headers, certificate);
    } catch (RoutingException.Unauthorized e) {
      failures.failed(source);
      throw e;
    }
  }

  static Tenant authenticate(RoutingPolicy policy, Map<String, String> headers, CertificateIdentity certificate) {
    Tenant byCertificate = policy.tenantForCertificate(certificate).orElse(null);
    String key = headers.get(API_KEY_HEADER);
    if (key == null) {
      String auth = headers.get("authorization");
      if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        Tenant t = policy.tenantForKey(auth.substring(7).trim()).orElse(null);
        if (t != null) return agree(t, byCertificate);
      }
      if (byCertificate != null) return byCertificate;
    }
    return agree(policy.authenticate(key), byCertificate);
  }

  /** The key's tenant, when the certificate names none or the same one. */
  private static Tenant agree(Tenant byKey, Tenant byCertificate) {
    if (byCertificate == null || byCertificate.id().equals(byKey.id())) return byKey;
    throw new RoutingException.Unauthorized("the API key and the client certificate name different tenants (the "
        + "certificate is tenant '" + byCertificate.id() + "')");
  }

  private static int priority(Object p) {
    if (p == null) return 0;
    if (!(p instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0
        || n.longValue() > Integer.MAX_VALUE) {
      throw new GatewayException.BadRequest("parameters.priority: '" + p + "' (expected: an integer >= 0)");
    }
    return n.intValue();
  }

  private static String stringParam(Map<String, Object> parameters, String name, String header, String fallback) {
    Object v = parameters.get(name);
    if (v != null) {
      if (!(v instanceof String s)) throw new GatewayException.BadRequest("parameters." + name + ": expected a string");
      return s;
    }
    return header != null ? header : fallback;
  }
}
