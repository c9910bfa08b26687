package dev.laneway.executor;

import java.util.List;

/** A device the executor runs instances on, with the execution providers to try for it, in order. */
public record Placement(String device, List<String> providers) {
  public Placement {
    providers = List.copyOf(providers);
  }
}
