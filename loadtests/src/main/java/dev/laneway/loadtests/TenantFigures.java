package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code tenants} scenario's arithmetic and texts: the policy's tenants block, answers by status, Jain's fairness
 * index, and the admission-cost histogram read from the gateway's {@code /metrics} text. Pure functions; any thread.
 */
final class TenantFigures {
  /** The admission histogram the gateway exports (seconds; label {@code limited="true"|"false"}). */
  static final String ADMISSION = "laneway_tenant_admission_seconds";

  private static final Pattern LIMITED = Pattern.compile("\\blimited=\"(true|false)\"");

  private TenantFigures() {}

  /** The API key of tenant {@code id}. */
  static String key(String id) {
    return "bench-key-" + id;
  }

  /**
   * The tenants block: {@code a} (the flood) and {@code b} (the neighbour, the one limited tenant: limits far above
   * what it sends, the token rate in shadow mode, so admission checks them and never refuses), {@code c} and {@code d}
   * (the fairness pair) with weights {@code wc} and {@code wd}.
   */
  static String tenants(double wc, double wd) {
    return tenant("a", 1, false) + tenant("b", 1, true) + tenant("c", wc, false) + tenant("d", wd, false);
  }

  /** The lane every bench tenant is sent to, so that the flood and the fairness pair contend for one lane. */
  static final String LANE = "hk-general";

  /** Rules before the default's: each bench tenant to {@value #LANE} only (no fallback, no spillover). */
  static String rules() {
    StringBuilder b = new StringBuilder();
    for (String id : new String[] {"a", "b", "c", "d"}) {
      b.append("  - name: bench-tenant-").append(id).append("\n    match: {tenant: ").append(id)
          .append("}\n    lanes: [{lane: ").append(LANE).append("}]\n");
    }
    return b.toString();
  }

  /** A key as the gateway's policy holds it: {@code sha256:} and the hex SHA-256 (the gateway refuses clear text). */
  static String hashed(String key) {
    try {
      return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tenant(String id, double weight, boolean limited) {
    String t = String.format(Locale.ROOT, "  - id: %s\n    api_keys: [%s]\n    weight: %s\n", id, hashed(key(id)),
        weight == Math.rint(weight) ? String.valueOf((long) weight) : String.valueOf(weight));
    if (!limited) return t;
    return t + """
            limits:
              requests: {per_second: 100000, burst: 100000}
              tokens: {per_second: 100000000, burst: 100000000, shadow: true}
              budget: {tokens: 1000000000000, period: day}
        """;
  }

  /**
   * Every answer by status: {@code "200"} for successes, the HTTP status for refusals ({@code "429"}), the reason for
   * the rest ({@code "client-timeout"}, {@code "lost"}).
   */
  static JsonObject byStatus(Recording r) {
    Map<String, Object> m = new TreeMap<>();
    if (r.succeeded() > 0) m.put("200", r.succeeded());
    for (Map.Entry<String, Long> e : r.errors().entrySet()) {
      String k = e.getKey().startsWith("http-") ? e.getKey().substring(5) : e.getKey();
      m.merge(k, e.getValue(), (x, y) -> (Long) x + (Long) y);
    }
    return new JsonObject(m);
  }

  /** Requests that did not get a 200: refusals, transport failures and the unanswered ({@code lost}). */
  static long notOk(Recording r) {
    return r.sent() - r.succeeded();
  }

  /**
   * Jain's fairness index over {@code x[i] / weight[i]}: (Σx)² / (n·Σx²), 1 when every tenant got its weighted share,
   * 1/n when one got everything; null when nothing was served.
   */
  static Double jain(double[] x, double[] weight) {
    double sum = 0;
    double squares = 0;
    for (int i = 0; i < x.length; i++) {
      double v = x[i] / weight[i];
      sum += v;
      squares += v * v;
    }
    if (!(squares > 0)) return null;
    return Math.round(sum * sum / (x.length * squares) * 10000) / 10000.0;
  }

  /**
   * {@value #ADMISSION}'s {@code _sum} and {@code _count} per {@code limited} label in Prometheus text (series with other
   * labels added together): {@code {"limited": {"sum_s", "count", "mean_us"}, "unlimited": {..}}}, a side missing when
   * it has no series; null when the text has no such series at all.
   */
  static JsonObject admission(String metrics) {
    double[][] acc = new double[2][2]; // [limited?][sum, count]
    boolean[] seen = new boolean[2];
    for (String line : metrics.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(ADMISSION + "_")) continue;
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int nameEnd = brace > 0 && brace < space ? brace : space;
      if (nameEnd < 0) continue;
      String name = line.substring(0, nameEnd);
      int field = name.equals(ADMISSION + "_sum") ? 0 : name.equals(ADMISSION + "_count") ? 1 : -1;
      if (field < 0) continue;
      int close = line.lastIndexOf('}');
      String labels = brace > 0 && close > brace ? line.substring(brace, close) : "";
      Matcher m = LIMITED.matcher(labels);
      if (!m.find()) continue;
      String[] rest = line.substring(Math.max(close + 1, nameEnd)).strip().split("\\s+");
      double v;
      try {
        v = Double.parseDouble(rest[0]);
      } catch (NumberFormatException e) {
        continue;
      }
      int side = m.group(1).equals("true") ? 0 : 1;
      acc[side][field] += v;
      seen[side] = true;
    }
    if (!seen[0] && !seen[1]) return null;
    JsonObject o = new JsonObject();
    String[] names = {"limited", "unlimited"};
    for (int s = 0; s < 2; s++) {
      if (!seen[s]) continue;
      double count = acc[s][1];
      o.put(names[s], new JsonObject().put("sum_s", acc[s][0]).put("count", (long) count)
          .put("mean_us", count > 0 ? BenchContext.round(acc[s][0] / count * 1e6) : null));
    }
    return o;
  }
}
