package dev.laneway.gateway.tenants;

import dev.laneway.gateway.tenants.Verdict.Kind;
import dev.laneway.gateway.tenants.Verdict.LimitState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rate-limit response headers from a {@link Verdict}: pure functions, one map of header name to value (insertion
 * ordered; empty when the tenant has no limit). The gateway sets them on admitted and refused responses alike.
 *
 * <p><b>IETF</b> ({@link #ietf}), draft-ietf-httpapi-ratelimit-headers-11 (Structured Field lists): one policy item
 * per limit, named by the limit ({@code "requests"}, {@code "tokens"}, {@code "budget"}, per model
 * {@code "<model>/tokens"}...).
 * <pre>
 * RateLimit-Policy: "requests";q=100;w=1, "tokens";q=8000;w=4, "budget";q=1000000;w=86400
 * RateLimit: "requests";r=99;t=1, "tokens";r=7050;t=1, "budget";r=999050;t=3600
 * </pre>
 * For a rate, {@code q} is the burst and {@code w} the time to refill it ({@code ceil(burst / rate)}, at least 1 s,
 * as the draft's windows are whole seconds); for a budget, {@code q} is the period's tokens and {@code w} the period's
 * length. {@code r} is what may still go now, {@code t} the seconds until the limit is whole again (rate: full
 * replenishment; budget: the period's end), rounded up. Token limits carry no {@code qu}: the draft's registry of quota
 * units has no tokens, so the policy's name says the unit. A shadow limit carries the vendor parameter
 * {@code laneway-shadow} (it is reported, never enforced).
 *
 * <p><b>OpenAI</b> ({@link #openai}): {@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests},
 * {@code x-ratelimit-reset-requests} and the same three for {@code -tokens}; reset in Go's duration format as OpenAI
 * writes it ({@code 1s}, {@code 6m0s}, {@code 120ms}, {@code 1.5s}). Each trio describes the enforced rate limit of
 * that kind with the least remaining (tenant-wide or the model's); budgets and shadow limits have no OpenAI header.
 */
public final class RateLimitHeaders {
  private RateLimitHeaders() {}

  /** {@code RateLimit-Policy} and {@code RateLimit} for the verdict's limits. */
  public static Map<String, String> ietf(Verdict verdict) {
    return ietf(verdict.limits());
  }

  /** {@code RateLimit-Policy} and {@code RateLimit} for these limit states. */
  public static Map<String, String> ietf(List<LimitState> limits) {
    Map<String, String> h = new LinkedHashMap<>();
    if (limits.isEmpty()) return h;
    StringBuilder policy = new StringBuilder();
    StringBuilder now = new StringBuilder();
    for (LimitState l : limits) {
      if (!policy.isEmpty()) {
        policy.append(", ");
        now.append(", ");
      }
      String name = sfString(l.name());
      policy.append(name).append(";q=").append(l.quota()).append(";w=").append(Math.max(1, l.windowSeconds()));
      if (l.shadow()) policy.append(";laneway-shadow");
      now.append(name).append(";r=").append(Math.max(0, l.remaining())).append(";t=").append(l.resetSeconds());
    }
    h.put("RateLimit-Policy", policy.toString());
    h.put("RateLimit", now.toString());
    return h;
  }

  /** OpenAI's {@code x-ratelimit-*} headers for the verdict's limits. */
  public static Map<String, String> openai(Verdict verdict) {
    return openai(verdict.limits());
  }

  /** OpenAI's {@code x-ratelimit-*} headers for these limit states. */
  public static Map<String, String> openai(List<LimitState> limits) {
    Map<String, String> h = new LinkedHashMap<>();
    trio(h, limits, Kind.REQUESTS, "requests");
    trio(h, limits, Kind.TOKENS, "tokens");
    return h;
  }

  private static void trio(Map<String, String> h, List<LimitState> limits, Kind kind, String suffix) {
    LimitState tightest = null;
    for (LimitState l : limits) {
      if (l.kind() != kind || l.shadow()) continue;
      if (tightest == null || l.remaining() < tightest.remaining()) tightest = l;
    }
    if (tightest == null) return;
    h.put("x-ratelimit-limit-" + suffix, Long.toString(tightest.quota()));
    h.put("x-ratelimit-remaining-" + suffix, Long.toString(Math.max(0, tightest.remaining())));
    h.put("x-ratelimit-reset-" + suffix, goDuration(tightest.reset()));
  }

  /**
   * A duration as Go prints one ({@code time.Duration.String}), to the millisecond (rounded up, so a wait is never
   * understated): {@code 0s}, {@code 120ms}, {@code 1s}, {@code 1.5s}, {@code 6m0s}, {@code 1h0m0s}.
   */
  static String goDuration(Duration d) {
    long ms = d.isNegative() ? 0 : d.toMillis() + (d.toNanos() % 1_000_000 > 0 ? 1 : 0);
    if (ms == 0) return "0s";
    if (ms < 1000) return ms + "ms";
    StringBuilder b = new StringBuilder();
    long h = ms / 3_600_000;
    long m = ms / 60_000 % 60;
    long s = ms / 1000 % 60;
    long frac = ms % 1000;
    if (h > 0) b.append(h).append('h');
    if (h > 0 || m > 0) b.append(m).append('m');
    b.append(s);
    if (frac > 0) {
      String f = String.format("%03d", frac).replaceAll("0+$", "");
      b.append('.').append(f);
    }
    return b.append('s').toString();
  }

  /** An sf-string: quoted, with {@code "} and {@code \} escaped (names are printable ASCII in practice). */
  static String sfString(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\');
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.append('"').toString();
  }
}
