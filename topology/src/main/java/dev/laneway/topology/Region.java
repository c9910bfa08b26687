package dev.laneway.topology;

import java.util.List;

/**
 * A region: where compute lives and a residency zone.
 *
 * @param cidrs client address ranges that place a caller in this region (e.g. {@code 10.1.0.0/16})
 */
public record Region(String id, List<String> cidrs) {
  public Region {
    Checks.id("id", id);
    cidrs = Checks.list(cidrs);
    for (String c : cidrs) {
      Cidr.parse(c);
    }
  }
}
