package dev.laneway.gateway.slo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Prometheus spellings of the SLO file's values: durations ({@code 5m}, {@code 3d}), numbers, selectors. */
final class RuleText {
  private RuleText() {}

  /** {@code 5m}, {@code 1h}, {@code 3d}: the largest whole unit. */
  static String duration(Duration d) {
    long s = d.toSeconds();
    if (s % 86400 == 0) return s / 86400 + "d";
    if (s % 3600 == 0) return s / 3600 + "h";
    if (s % 60 == 0) return s / 60 + "m";
    return s + "s";
  }

  /** A number without trailing zeros or exponent: {@code 14.4}, {@code 0.001}, {@code 6}. */
  static String number(double v) {
    // 12 significant digits: 1 - 0.999 is 0.001, not 0.0010000000000000009
    return BigDecimal.valueOf(v).round(new java.math.MathContext(12)).stripTrailingZeros().toPlainString();
  }

  /**
   * The {@code le} matcher of a bucket bound. The gateway writes bounds as Java does ({@code 0.05}, {@code 10.0},
   * {@code 2.5E-4}); Prometheus 3 normalises them on ingestion ({@code 10}). When the two differ, both match.
   */
  static String le(double seconds) {
    String java = Double.toString(seconds);
    String plain = number(seconds);
    return java.equals(plain) ? "le=\"" + java + "\""
        : "le=~\"" + plain.replace(".", "\\\\.") + "|" + java.replace(".", "\\\\.") + "\"";
  }

  /** {@code outcome!~"a|b"} for the outcomes not counted, or nothing when there are none. */
  static String notCounted(List<String> outcomes) {
    return outcomes.isEmpty() ? "" : ",outcome!~\"" + String.join("|", outcomes) + "\"";
  }

  /** {@code interactive-availability} → {@code InteractiveAvailability}. */
  static String camel(String id) {
    StringBuilder sb = new StringBuilder();
    for (String part : id.split("[-_]")) {
      if (!part.isEmpty()) sb.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
    }
    return sb.toString();
  }
}
