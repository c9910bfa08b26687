package dev.laneway.topology;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500us}, {@code 2ms}, {@code 1.5s}, {@code 1m}, {@code 28d}, or ISO-8601. */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|h|d)");

  private Durations() {}

  public static Duration parse(String text) {
    String t = text.trim();
    Matcher m = SIMPLE.matcher(t);
    if (m.matches()) {
      double v = Double.parseDouble(m.group(1));
      double nanos =
          switch (m.group(2)) {
            case "ns" -> v;
            case "us", "µs" -> v * 1e3;
            case "ms" -> v * 1e6;
            case "s" -> v * 1e9;
            case "m" -> v * 60e9;
            case "h" -> v * 3600e9;
            default -> v * 86400e9;
          };
      return Duration.ofNanos(Math.round(nanos));
    }
    try {
      return Duration.parse(t);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' (expected: a duration such as 500us, 2ms, 1s, 1m)");
    }
  }

  /** The shortest of the forms {@link #parse} reads. */
  public static String format(Duration d) {
    long n = d.toNanos();
    if (n % 1_000_000_000L == 0) return n / 1_000_000_000L + "s";
    if (n % 1_000_000L == 0) return n / 1_000_000L + "ms";
    if (n % 1_000L == 0) return n / 1_000L + "us";
    return n + "ns";
  }
}
