package dev.laneway.topology;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Argument checks with messages in the form {@code field: value (expected: ...)}. */
final class Checks {
  private Checks() {}

  static String id(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": missing (expected: a non-empty id)");
    }
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected: letters, digits, '.', '_' or '-')");
    }
    return value;
  }

  static <T> T present(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    return value;
  }

  static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: >= " + min + ")");
    }
    return value;
  }

  static <T> List<T> list(List<T> value) {
    return value == null ? List.of() : List.copyOf(value);
  }

  static void unique(String field, Collection<String> ids) {
    Set<String> seen = new HashSet<>();
    for (String id : ids) {
      if (!seen.add(id)) {
        throw new IllegalArgumentException(field + ": '" + id + "' declared twice (expected: unique ids)");
      }
    }
  }
}
