package dev.laneway.routing;

/**
 * A lane to try, with the variant to run there.
 *
 * @param degraded not the request's first choice (another region, or a substitute variant)
 */
public record Candidate(String lane, String region, String variant, boolean degraded) {}
