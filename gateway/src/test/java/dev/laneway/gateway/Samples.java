package dev.laneway.gateway;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus text read by tests: the sum of a metric's samples over the label sets that match. A gateway's registry
 * outlives one test (the shared gateway serves every class), so a test compares a scrape after its own requests with
 * one before them.
 *
 * <pre>{@code
 * String before = g.telemetry().prometheusText();
 * ... requests ...
 * assertEquals(1, Samples.delta(before, g.telemetry().prometheusText(), "laneway_requests_total", "door=\"grpc\""));
 * }</pre>
 */
final class Samples {
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

  private Samples() {}

  /** The sum of every sample of {@code metric} whose labels contain each fragment (e.g. {@code lane="hk-cpu"}). */
  static double sum(String text, String metric, String... labelFragments) {
    double total = 0;
    Matcher m = SAMPLE.matcher(text);
    outer:
    while (m.find()) {
      if (!m.group(1).equals(metric)) continue;
      String labels = m.group(2) == null ? "" : m.group(2);
      for (String f : labelFragments) if (!labels.contains(f)) continue outer;
      total += Double.parseDouble(m.group(3));
    }
    return total;
  }

  /** How much {@link #sum} moved from the {@code before} scrape to the {@code after} one. */
  static double delta(String before, String after, String metric, String... labelFragments) {
    return sum(after, metric, labelFragments) - sum(before, metric, labelFragments);
  }
}
