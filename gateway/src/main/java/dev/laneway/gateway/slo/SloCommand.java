package dev.laneway.gateway.slo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./laneway slo rules [--slo FILE] [--out FILE]}: writes the Prometheus recording and alerting rules for an SLO
 * file (the embedded default without {@code --slo}) to {@code --out}, or to standard output. Exit 2 on bad arguments
 * or a bad file, with the file, line and field.
 */
public final class SloCommand {
  static final String USAGE = "usage: laneway slo rules [--slo FILE] [--out FILE]\n"
      + "  writes Prometheus recording rules and multi-window burn-rate alerts for the SLO file (default: the embedded"
      + " one)\n";

  private SloCommand() {}

  public static void main(String[] args) {
    try {
      System.out.print(run(args));
    } catch (IllegalArgumentException e) {
      System.err.println("laneway slo: " + e.getMessage());
      System.exit(2);
    }
  }

  /** What the command prints; writes {@code --out} when given. */
  static String run(String[] args) {
    if (args.length == 0 || !args[0].equals("rules")) throw new IllegalArgumentException("\n" + USAGE);
    Path slo = null;
    Path out = null;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--slo") || a.equals("--out")) && i + 1 < args.length) {
        if (a.equals("--slo")) slo = Path.of(args[++i]); else out = Path.of(args[++i]);
      } else if (a.startsWith("--slo=")) {
        slo = Path.of(a.substring(6));
      } else if (a.startsWith("--out=")) {
        out = Path.of(a.substring(6));
      } else {
        throw new IllegalArgumentException("unknown argument '" + a + "'\n" + USAGE);
      }
    }
    String rules = RuleGenerator.rules(SloLoader.load(slo));
    if (out == null) return rules;
    try {
      Files.writeString(out, rules, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(out + ": cannot write: " + e.getMessage(), e);
    }
    return "wrote " + out + "\n";
  }
}
