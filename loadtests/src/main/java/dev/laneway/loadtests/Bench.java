package dev.laneway.loadtests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * {@code ./laneway bench NAME [options]}: runs one scenario against a child gateway it starts, prints a table, writes
 * {@code NAME.json} and {@code NAME.html}. Exit status 0 when the scenario ran, 1 when it could not (the reason on
 * stderr), 2 for a bad command line. Progress lines go to stderr, the table to stdout.
 */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) {
    // one line per event for the libraries that log through java.util.logging (DJL via SLF4J), as the gateway does
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    }
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.print(BenchOptions.HELP);
      return;
    }
    BenchOptions options;
    Scenario scenario;
    try {
      options = BenchOptions.parse(args);
      scenario = Scenario.named(options.scenario());
    } catch (IllegalArgumentException e) {
      System.err.println("laneway bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      Result r = run(options, scenario, System.err);
      print(r.json(), System.out);
      System.out.println("wrote " + r.jsonFile() + " and " + r.htmlFile());
    } catch (RuntimeException e) {
      System.err.println("laneway bench " + options.scenario() + ": " + e.getMessage());
      System.exit(1);
    }
    System.exit(0); // Vert.x and gRPC threads are not daemons
  }

  /** What a run wrote. */
  public record Result(JsonObject json, Path jsonFile, Path htmlFile) {}

  /** Runs {@code scenario} on this thread and writes its report. */
  public static Result run(BenchOptions options, Scenario scenario, PrintStream progress) {
    BenchContext ctx = new BenchContext(options, progress);
    long t0 = System.nanoTime();
    JsonObject json = scenario.run(ctx);
    json.put("date", Instant.now().toString())
        .put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch") + ", "
            + System.getProperty("os.name") + ", Java " + Runtime.version())
        .put("smoke", options.smoke())
        .put("wall_s", BenchContext.round((System.nanoTime() - t0) / 1e9));
    Path file = options.jsonFile();
    Path html = ctx.report().write(json, file);
    return new Result(json, file, html);
  }

  /** The table: every scalar field, then one line per nested summary. */
  static void print(JsonObject json, PrintStream out) {
    for (Map.Entry<String, Object> e : json) {
      if (e.getValue() instanceof JsonObject || e.getValue() instanceof JsonArray) continue;
      out.printf("%-32s %s%n", e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Object> e : json) {
      if (e.getValue() instanceof JsonObject o) out.printf("%-32s %s%n", e.getKey(), o.encode());
    }
  }
}
