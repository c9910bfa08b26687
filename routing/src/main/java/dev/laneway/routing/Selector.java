package dev.laneway.routing;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * One step of a rule's lane list: an explicit lane ({@code {lane: hk-npu}}) or every lane of a class in a region
 * ({@code {class: general, region: client}}). Lanes one selector picks are equally ranked: the router orders them by
 * expected completion time plus the link's round-trip time, by power of two choices when there are three or more.
 *
 * @param lane an explicit lane id, or null
 * @param laneClass {@code general}, {@code specialised} or {@code any} (default {@code any})
 * @param region {@code client} (the caller's region), {@code any}, {@code other} (not the caller's) or a region id;
 *     default {@code any}
 */
public record Selector(String lane, @JsonProperty("class") String laneClass, String region) {
  public Selector {
    if (lane != null && (laneClass != null || region != null)) {
      throw new IllegalArgumentException("lane: '" + lane + "' with class/region (expected: either a lane id or class and region)");
    }
    if (lane == null) {
      laneClass = laneClass == null ? "any" : laneClass.toLowerCase(Locale.ROOT);
      region = region == null ? "any" : region;
      switch (laneClass) {
        case "general", "specialised", "any" -> { }
        default -> throw new IllegalArgumentException(
            "class: '" + laneClass + "' (expected one of: general, specialised, any)");
      }
    }
  }

  public static Selector lane(String id) {
    return new Selector(id, null, null);
  }

  public static Selector of(String laneClass, String region) {
    return new Selector(null, laneClass, region);
  }

  @Override
  public String toString() {
    return lane != null ? "{lane: " + lane + "}" : "{class: " + laneClass + ", region: " + region + "}";
  }
}
