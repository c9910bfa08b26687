package dev.laneway.base;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * Every span and metric attribute Laneway records, declared once. Metric labels are short and bounded (model,
 * variant, lane, region, device, class, reason, outcome, door): they come from the topology and the code, never from a
 * request. Span attributes follow OpenTelemetry's semantic conventions where one exists ({@code http.*}, {@code rpc.*},
 * {@code server.address}) and Laneway's own names elsewhere, grouped by the span that carries them ({@code routing.*}
 * on {@code route}, {@code batch.*} on {@code batch}, {@code cache.*} on {@code cache}, {@code laneway.*} on a door's
 * server span). The names are a contract (dashboards, the README's tables): renaming one is a breaking change.
 */
public final class AttributeNames {
  private AttributeNames() {}

  // ---- metric labels (also on spans where the same fact is meant) ----
  public static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
  public static final AttributeKey<String> VARIANT = AttributeKey.stringKey("variant");
  public static final AttributeKey<String> LANE = AttributeKey.stringKey("lane");
  public static final AttributeKey<String> REGION = AttributeKey.stringKey("region");
  public static final AttributeKey<String> DEVICE = AttributeKey.stringKey("device");
  /** A latency class: {@code interactive}, {@code standard}, {@code batch}. */
  public static final AttributeKey<String> CLASS = AttributeKey.stringKey("class");
  public static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
  public static final AttributeKey<String> DOOR = AttributeKey.stringKey("door");
  public static final AttributeKey<String> FROM_LANE = AttributeKey.stringKey("from_lane");
  public static final AttributeKey<String> TO_LANE = AttributeKey.stringKey("to_lane");
  public static final AttributeKey<Boolean> STAND_IN = AttributeKey.booleanKey("stand_in");
  public static final AttributeKey<Long> INSTANCE = AttributeKey.longKey("instance");

  // ---- a door's server span ----
  public static final AttributeKey<String> LANEWAY_MODEL = AttributeKey.stringKey("laneway.model");
  public static final AttributeKey<Long> LANEWAY_TEXTS = AttributeKey.longKey("laneway.texts");
  public static final AttributeKey<String> LANEWAY_LANE = AttributeKey.stringKey("laneway.lane");
  public static final AttributeKey<Boolean> LANEWAY_DEGRADED = AttributeKey.booleanKey("laneway.degraded");
  public static final AttributeKey<String> LANEWAY_CACHE = AttributeKey.stringKey("laneway.cache");

  // ---- route ----
  public static final AttributeKey<String> ROUTING_CLIENT_REGION = AttributeKey.stringKey("routing.client_region");
  public static final AttributeKey<String> ROUTING_LATENCY_CLASS = AttributeKey.stringKey("routing.latency_class");
  public static final AttributeKey<String> ROUTING_RULE = AttributeKey.stringKey("routing.rule");
  public static final AttributeKey<String> ROUTING_TENANT = AttributeKey.stringKey("routing.tenant");
  public static final AttributeKey<List<String>> ROUTING_CANDIDATES = AttributeKey.stringArrayKey("routing.candidates");
  public static final AttributeKey<String> ROUTING_SPILLED_FROM = AttributeKey.stringKey("routing.spilled_from");
  public static final AttributeKey<String> ROUTING_SPILL_REASON = AttributeKey.stringKey("routing.spill_reason");

  // ---- lane.attempt ----
  public static final AttributeKey<String> BREAKER_STATE = AttributeKey.stringKey("breaker.state");
  public static final AttributeKey<Double> ESTIMATE_MS = AttributeKey.doubleKey("estimate_ms");
  public static final AttributeKey<Boolean> HEDGE = AttributeKey.booleanKey("hedge");

  // ---- cache ----
  public static final AttributeKey<Long> CACHE_HITS = AttributeKey.longKey("cache.hits");
  public static final AttributeKey<Long> CACHE_MISSES = AttributeKey.longKey("cache.misses");
  public static final AttributeKey<Boolean> CACHE_BYPASS = AttributeKey.booleanKey("cache.bypass");

  // ---- tokenize and batch ----
  public static final AttributeKey<Long> TEXTS = AttributeKey.longKey("texts");
  public static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("batch.size");
  public static final AttributeKey<String> BATCH_PADDED_SHAPE = AttributeKey.stringKey("batch.padded_shape");
  public static final AttributeKey<Double> BATCH_PADDING_EFFICIENCY = AttributeKey.doubleKey("batch.padding_efficiency");
  public static final AttributeKey<List<Long>> BATCH_QUEUE_MS = AttributeKey.longArrayKey("batch.queue_ms");
  public static final AttributeKey<String> BATCH_REASON = AttributeKey.stringKey("batch.reason");

  // ---- OpenTelemetry semantic conventions ----
  public static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
  public static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  public static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  public static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  public static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
}
