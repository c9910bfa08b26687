package dev.laneway.loadtests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One scenario's report: the JSON result and a self-contained HTML page (inline SVG drawn here, no scripts, no network
 * assets) with, for each open-loop run, latency over time (p50 and p99 per intended second) and the latency
 * distribution (percentile spectrum, as HdrHistogram plots it). Owned by the scenario's thread.
 */
public final class Report {
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

  private final String scenario;
  private final List<Recording> runs = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final java.util.Map<Recording, List<Marker>> markers = new java.util.IdentityHashMap<>();

  /** A moment worth a vertical line on a run's timeline: {@code second} after its start. */
  record Marker(double second, String text) {}

  public Report(String scenario) {
    this.scenario = scenario;
  }

  /** Adds a run to the HTML page. */
  public synchronized void add(Recording r) {
    runs.add(r);
  }

  /** Marks {@code second} (after the run's start) on {@code run}'s latency-over-time plot. */
  public synchronized void mark(Recording run, double second, String text) {
    markers.computeIfAbsent(run, k -> new ArrayList<>()).add(new Marker(second, text));
  }

  public synchronized void note(String line) {
    notes.add(line);
  }

  /** Writes {@code json} to {@code jsonFile} and the HTML page beside it ({@code NAME.html}). */
  public synchronized Path write(JsonObject json, Path jsonFile) {
    try {
      Path dir = jsonFile.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Files.writeString(jsonFile, json.encodePrettily() + "\n", StandardCharsets.UTF_8);
      String base = jsonFile.getFileName().toString().replaceFirst("\\.json$", "");
      Path html = dir.resolve(base + ".html");
      Files.writeString(html, html(json), StandardCharsets.UTF_8);
      return html;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report: " + e.getMessage(), e);
    }
  }

  String html(JsonObject json) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Laneway bench ").append(esc(scenario))
        .append("</title><style>body{font:14px sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
            + "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}svg{margin:4px;border:1px solid #eee}"
            + "pre{background:#f6f6f6;padding:8px;overflow:auto}</style></head><body>");
    b.append("<h1>Laneway bench: ").append(esc(scenario)).append("</h1>");
    b.append("<table>");
    for (Map.Entry<String, Object> e : json) {
      if (e.getValue() instanceof JsonObject || e.getValue() instanceof JsonArray) continue;
      b.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(String.valueOf(e.getValue())))
          .append("</td></tr>");
    }
    b.append("</table>");
    for (String n : notes) b.append("<p>").append(esc(n)).append("</p>");
    for (Recording r : runs) {
      b.append("<h3>").append(esc(r.label())).append("</h3>");
      b.append(String.format(Locale.ROOT, "<p>sent %d, succeeded %d, failed %d %s, p50 %.1f ms, p99 %.1f ms</p>",
          r.sent(), r.succeeded(), r.failed(), esc(r.errors().toString()), Recording.ms(r.latency(), 50),
          Recording.ms(r.latency(), 99)));
      b.append(timeline(r, markers.getOrDefault(r, List.of()))).append(distribution(r.latency()));
    }
    b.append("<h2>JSON</h2><pre>").append(esc(json.encodePrettily())).append("</pre></body></html>\n");
    return b.toString();
  }

  /** p50 and p99 per intended second, and failures per second, against time. */
  static String timeline(Recording r, List<Marker> marks) {
    List<double[]> t = r.timeline();
    double[] xs = new double[t.size()];
    double[] p50 = new double[t.size()];
    double[] p99 = new double[t.size()];
    double[] err = new double[t.size()];
    for (int i = 0; i < t.size(); i++) {
      xs[i] = i;
      p50[i] = t.get(i)[0];
      p99[i] = t.get(i)[1];
      err[i] = t.get(i)[3];
    }
    return chart("latency over time", "intended send time (s)", "ms", xs,
        List.of(new Series("p50", p50), new Series("p99", p99)), err, false, marks);
  }

  /** The percentile spectrum: x is -log10(1 - p), so 90, 99, 99.9 are evenly spaced. */
  static String distribution(Histogram h) {
    double[] ps = {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};
    double[] xs = new double[ps.length];
    double[] ys = new double[ps.length];
    for (int i = 0; i < ps.length; i++) {
      xs[i] = -Math.log10(1 - ps[i] / 100.0);
      ys[i] = Recording.ms(h, ps[i]);
    }
    return chart("latency distribution", "percentile (0, 90, 99, 99.9, 99.99)", "ms", xs,
        List.of(new Series("latency", ys)), null, true, List.of());
  }

  record Series(String name, double[] ys) {}

  static String chart(String title, String xLabel, String yLabel, double[] xs, List<Series> series, double[] bars,
      boolean percentileAxis, List<Marker> marks) {
    int w = 520;
    int h = 240;
    int l = 55;
    int r = 10;
    int t = 25;
    int bm = 40;
    double xMax = 1;
    for (double x : xs) if (!Double.isNaN(x)) xMax = Math.max(xMax, x);
    double yMax = 1;
    for (Series s : series) for (double y : s.ys()) if (!Double.isNaN(y)) yMax = Math.max(yMax, y);
    yMax = nice(yMax);
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"11\">", w, h));
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"15\" font-weight=\"bold\">%s</text>", l, esc(title)));
    double pw = w - l - r;
    double ph = h - t - bm;
    for (int i = 0; i <= 4; i++) {
      double y = t + ph - ph * i / 4;
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", l, w - r, y, y, l - 4, y + 4, fmt(yMax * i / 4)));
    }
    if (percentileAxis) {
      String[] names = {"0", "90", "99", "99.9", "99.99"};
      for (int i = 0; i < names.length; i++) {
        double x = l + pw * i / xMax;
        if (i > xMax) break;
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, h - bm + 14, names[i]));
      }
    } else {
      for (int i = 0; i <= 5; i++) {
        double x = l + pw * i / 5;
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, h - bm + 14, fmt(xMax * i / 5)));
      }
    }
    b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", l + pw / 2, h - 6, esc(xLabel)));
    b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">%s</text>",
        t + ph / 2, t + ph / 2, esc(yLabel)));
    if (bars != null) {
      double bMax = 1;
      for (double v : bars) bMax = Math.max(bMax, v);
      for (int i = 0; i < bars.length; i++) {
        if (bars[i] <= 0) continue;
        double bh = ph * 0.3 * bars[i] / bMax;
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f4a\" opacity=\"0.5\">"
            + "<title>%d failures</title></rect>", l + pw * xs[i] / xMax - 2, t + ph - bh, 4.0, bh, (long) bars[i]));
      }
    }
    for (Marker m : marks) {
      double x = l + pw * Math.min(m.second(), xMax) / xMax;
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#555\" "
          + "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>", x, x, t, t + ph, x + 3, t + 10,
          esc(m.text())));
    }
    for (int s = 0; s < series.size(); s++) {
      StringBuilder pts = new StringBuilder();
      double[] ys = series.get(s).ys();
      for (int i = 0; i < xs.length; i++) {
        if (Double.isNaN(ys[i])) continue;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", l + pw * xs[i] / xMax, t + ph - ph * Math.min(ys[i], yMax) / yMax));
      }
      String color = COLORS[s % COLORS.length];
      b.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\" points=\"")
          .append(pts.toString().trim()).append("\"/>");
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>", w - r - 60, t + 12 + 13 * s,
          color, esc(series.get(s).name())));
    }
    return b.append("</svg>").toString();
  }

  private static double nice(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * p >= v) return m * p;
    return 10 * p;
  }

  private static String fmt(double v) {
    return v >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
