package dev.laneway.topology;

import java.time.Duration;

/** The declared round-trip time between two regions (symmetric). */
public record Link(String from, String to, Duration rtt) {
  public Link {
    Checks.id("from", from);
    Checks.id("to", to);
    Checks.present("rtt", rtt);
    if (rtt.isNegative()) {
      throw new IllegalArgumentException("rtt: " + rtt + " (expected: >= 0)");
    }
  }
}
