package dev.laneway.loadtests;

import dev.laneway.oip.InferParameter;
import dev.laneway.protocol.Oip;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Reads the Laneway response {@code parameters} (lane, device, variant, region, degraded, stand_in, cache,
 * executor_ms, spilled_from, hedged) out of OIP answers, JSON or gRPC, into a {@link Reply}. Gateways that predate
 * {@code executor_ms} report {@code queue_ms} and {@code compute_ms}; their sum stands in for it. Pure; safe from any
 * thread.
 */
final class OipReplies {
  private OipReplies() {}

  static Reply fromJson(JsonObject body) {
    JsonObject p = body.getJsonObject("parameters", new JsonObject());
    double executorMs = number(p.getValue("executor_ms"));
    if (Double.isNaN(executorMs)) executorMs = number(p.getValue("queue_ms")) + number(p.getValue("compute_ms"));
    int vectors = 0;
    JsonArray outputs = body.getJsonArray("outputs");
    if (outputs != null && !outputs.isEmpty()) {
      JsonArray shape = outputs.getJsonObject(0).getJsonArray("shape");
      if (shape != null && !shape.isEmpty()) vectors = shape.getInteger(0);
    }
    return new Reply(null, p.getString("lane"), p.getString("device"), p.getString("region"),
        bool(p.getValue("degraded")), bool(p.getValue("stand_in")), p.getString("cache"), executorMs, vectors,
        p.getString("spilled_from"), bool(p.getValue("hedged")), false, tokens(p.getValue(Oip.TOKEN_COUNTS)),
        number(p.getValue(Oip.QUEUE_MS)) + number(p.getValue(Oip.COMPUTE_MS)), number(p.getValue(Oip.QUEUE_MS)));
  }

  static Reply fromGrpc(Map<String, InferParameter> p, int vectors) {
    double executorMs = number(p.get("executor_ms"));
    if (Double.isNaN(executorMs)) executorMs = number(p.get("queue_ms")) + number(p.get("compute_ms"));
    return new Reply(null, string(p.get("lane")), string(p.get("device")), string(p.get("region")),
        boolOf(p.get("degraded")), boolOf(p.get("stand_in")), string(p.get("cache")), executorMs, vectors,
        string(p.get("spilled_from")), boolOf(p.get("hedged")), false, tokens(string(p.get(Oip.TOKEN_COUNTS))),
        number(p.get(Oip.QUEUE_MS)) + number(p.get(Oip.COMPUTE_MS)), number(p.get(Oip.QUEUE_MS)));
  }

  /** The sum of a {@code token_counts} parameter ({@code "6,12"}: each text's tokens); 0 when absent or malformed. */
  static long tokens(Object value) {
    if (!(value instanceof String s) || s.isBlank()) return value instanceof Number n ? n.longValue() : 0;
    long sum = 0;
    for (String part : s.split(",")) {
      try {
        sum += Long.parseLong(part.strip());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return sum;
  }

  /** The OIP error text of a failed JSON answer, for logs; the reason itself is {@code http-STATUS}. */
  static String errorText(Http.Response r) {
    try {
      return r.json().getString("error", "");
    } catch (RuntimeException e) {
      return "";
    }
  }

  private static double number(Object o) {
    if (o instanceof Number n) return n.doubleValue();
    if (o instanceof InferParameter ip) {
      return switch (ip.getParameterChoiceCase()) {
        case DOUBLE_PARAM -> ip.getDoubleParam();
        case INT64_PARAM -> ip.getInt64Param();
        case UINT64_PARAM -> ip.getUint64Param();
        case STRING_PARAM -> parse(ip.getStringParam());
        default -> Double.NaN;
      };
    }
    return o instanceof String s ? parse(s) : Double.NaN;
  }

  private static double parse(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static Boolean bool(Object o) {
    if (o instanceof Boolean b) return b;
    return o instanceof String s ? Boolean.valueOf(s) : null;
  }

  private static Boolean boolOf(InferParameter p) {
    if (p == null) return null;
    return switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> p.getBoolParam();
      case STRING_PARAM -> Boolean.valueOf(p.getStringParam());
      default -> null;
    };
  }

  private static String string(InferParameter p) {
    if (p == null) return null;
    return switch (p.getParameterChoiceCase()) {
      case STRING_PARAM -> p.getStringParam();
      case BOOL_PARAM -> Boolean.toString(p.getBoolParam());
      case INT64_PARAM -> Long.toString(p.getInt64Param());
      case DOUBLE_PARAM -> Double.toString(p.getDoubleParam());
      default -> null;
    };
  }
}
