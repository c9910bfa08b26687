package dev.laneway.gateway;

import dev.laneway.topology.Durations;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The checking parsers of {@link GatewayOptions}' flags. Each throws {@link IllegalArgumentException} whose message
 * says what was expected; the options name the flag around it ({@code --grpc-port: '70000' (expected: a port
 * 0..65535)}). Stateless.
 */
final class Flags {
  private Flags() {}

  static int port(String v) {
    int p = (int) number(v, "a port 0..65535");
    if (p < 0 || p > 65535) throw new IllegalArgumentException("a port 0..65535");
    return p;
  }

  static long atLeast(String v, long min) {
    long n = number(v, "a number >= " + min);
    if (n < min) throw new IllegalArgumentException("a number >= " + min);
    return n;
  }

  static Path path(String v) {
    return v.isEmpty() ? null : Path.of(v);
  }

  /** A file path with {@code ~/} for the home directory ({@code $XDG_CACHE_HOME} for {@code ~/.cache/}); empty: null. */
  static Path cacheFile(String v) {
    if (v.isEmpty()) return null;
    String xdg = System.getenv("XDG_CACHE_HOME");
    String cache = "~/.cache/";
    if (v.startsWith(cache) && xdg != null && !xdg.isEmpty()) return Path.of(xdg, v.substring(cache.length()));
    if (v.startsWith("~/")) return Path.of(System.getProperty("user.home"), v.substring(2));
    return Path.of(v);
  }

  /** Comma-separated words, blanks dropped; empty: an empty list. */
  static java.util.List<String> list(String v) {
    return java.util.Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  static Duration duration(String v) {
    Duration d;
    try {
      d = Durations.parse(v);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a duration like 250ms, 30s, 2m");
    }
    if (d.isNegative()) throw new IllegalArgumentException("a duration >= 0");
    return d;
  }

  static Duration positive(String v) {
    Duration d = duration(v);
    if (d.isZero()) throw new IllegalArgumentException("a duration > 0");
    return d;
  }

  static boolean bool(String v) {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("true or false");
    };
  }

  static String tracesExporter(String v) {
    String e = v.trim();
    if (e.equals("console")) e = "logging"; // the SDK's name for the span exporter that logs
    for (String part : e.split(",")) {
      switch (part.trim()) {
        case "", "none", "otlp", "zipkin", "logging", "logging-otlp" -> { }
        default -> throw new IllegalArgumentException("none, otlp, zipkin, console or logging");
      }
    }
    return e;
  }

  /** A trace-view URL template: an http(s) URL holding {@code {trace_id}}; empty: none. */
  static String traceUrl(String v) {
    if (v.isEmpty()) return v;
    if (!v.contains("{trace_id}")) throw new IllegalArgumentException("an http(s) URL with {trace_id} in it");
    url(v.replace("{trace_id}", "0"));
    return v;
  }

  static String url(String v) {
    if (v.isEmpty()) return v;
    try {
      java.net.URI u = new java.net.URI(v);
      if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null) {
        throw new IllegalArgumentException("an http(s) URL");
      }
      return v;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("an http(s) URL");
    }
  }

  /** A Redis URI ({@code redis://[user:password@]host:port[/db]}, or {@code rediss://}), or null for none. */
  static String redisUri(String v) {
    if (v.isEmpty()) return null;
    try {
      java.net.URI u = new java.net.URI(v);
      if (u.getScheme() == null || !(u.getScheme().equals("redis") || u.getScheme().equals("rediss"))
          || u.getHost() == null) {
        throw new IllegalArgumentException("a redis:// URI such as redis://127.0.0.1:6379");
      }
      return v;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("a redis:// URI such as redis://127.0.0.1:6379");
    }
  }

  /** One of the given words. */
  static String oneOf(String v, String... allowed) {
    for (String a : allowed) {
      if (a.equals(v)) return v;
    }
    throw new IllegalArgumentException(String.join(" or ", allowed));
  }

  static String sampler(String v) {
    return switch (v) {
      case "", "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
          "parentbased_traceidratio" -> v;
      default -> throw new IllegalArgumentException(
          "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio");
    };
  }

  static String samplerArg(String v) {
    if (v.isEmpty()) return v;
    try {
      double d = Double.parseDouble(v);
      if (d < 0 || d > 1) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a ratio 0..1");
    }
  }

  static double ratio(String v) {
    try {
      double d = Double.parseDouble(v.trim());
      if (!(d >= 0 && d <= 1)) throw new NumberFormatException();
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a ratio 0..1");
    }
  }

  static String logLevel(String v) {
    try {
      java.util.logging.Level.parse(v);
      return v;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("SEVERE, WARNING, INFO or FINE");
    }
  }

  static long number(String v, String expected) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(expected);
    }
  }
}
