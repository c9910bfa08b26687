package dev.laneway.executor;

import java.util.Locale;

/** Latency classes, most urgent first. */
public enum Priority {
  INTERACTIVE,
  STANDARD,
  BATCH;

  public static Priority parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "latency class: '" + s + "' (expected: interactive, standard or batch)", e);
    }
  }

  /** The least urgent class. */
  public static Priority lowest() {
    return BATCH;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
