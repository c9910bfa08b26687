package dev.laneway.protocol;

import dev.laneway.oip.InferParameter;
import java.util.HashMap;
import java.util.Map;

/**
 * OIP parameters ({@code InferParameter}: bool, int64, string, double, uint64) to and from Java values, and lenient
 * readers for the parameters a client reads off an answer. Stateless; any thread.
 *
 * <pre>{@code
 * b.putParameters(Oip.LATENCY_CLASS, Parameters.of("interactive"));
 * double queueMs = Parameters.number(response.getParametersMap(), Oip.QUEUE_MS);
 * }</pre>
 */
public final class Parameters {
  private Parameters() {}

  /** The parameters as Java values (Boolean, Long, String, Double); unset ones left out. */
  public static Map<String, Object> toJava(Map<String, InferParameter> params) {
    Map<String, Object> out = new HashMap<>();
    params.forEach((k, v) -> {
      Object value = value(v);
      if (value != null) out.put(k, value);
    });
    return out;
  }

  /** One parameter as a Java value: Boolean, Long (int64 and uint64), String or Double; null when unset. */
  public static Object value(InferParameter v) {
    return switch (v.getParameterChoiceCase()) {
      case BOOL_PARAM -> v.getBoolParam();
      case INT64_PARAM -> v.getInt64Param();
      case STRING_PARAM -> v.getStringParam();
      case DOUBLE_PARAM -> v.getDoubleParam();
      case UINT64_PARAM -> v.getUint64Param();
      case PARAMETERCHOICE_NOT_SET -> null;
    };
  }

  /** A Java value as a parameter: Boolean as bool, Integer and Long as int64, other numbers as double, else string. */
  public static InferParameter of(Object v) {
    InferParameter.Builder b = InferParameter.newBuilder();
    return switch (v) {
      case Boolean x -> b.setBoolParam(x).build();
      case Integer x -> b.setInt64Param(x).build();
      case Long x -> b.setInt64Param(x).build();
      case Number x -> b.setDoubleParam(x.doubleValue()).build();
      default -> b.setStringParam(String.valueOf(v)).build();
    };
  }

  /** A string parameter, or {@code fallback} when absent, empty or not a string. */
  public static String string(Map<String, InferParameter> p, String key, String fallback) {
    InferParameter v = p.get(key);
    return v == null || v.getStringParam().isEmpty() ? fallback : v.getStringParam();
  }

  /** A double or int64 parameter, 0 when absent or of another type. */
  public static double number(Map<String, InferParameter> p, String key) {
    InferParameter v = p.get(key);
    if (v == null) return 0;
    return switch (v.getParameterChoiceCase()) {
      case DOUBLE_PARAM -> v.getDoubleParam();
      case INT64_PARAM -> v.getInt64Param();
      default -> 0;
    };
  }

  /** A bool parameter, false when absent or of another type. */
  public static boolean bool(Map<String, InferParameter> p, String key) {
    InferParameter v = p.get(key);
    return v != null && v.getBoolParam();
  }
}
