package dev.laneway.routing;

/**
 * The router moved a request off the policy's preferred lane: {@code to} went first, {@code from} second.
 *
 * @param from the preferred lane (the first candidate before the spill)
 * @param to the lane that went first instead
 * @param reason a sentence for explain and logs, e.g. {@code estimate 83.0 ms breaks the interactive budget of 50 ms
 *     (next: 12.0 ms)}
 * @param fromMs {@code from}'s estimate plus round-trip time, in milliseconds
 * @param toMs {@code to}'s estimate plus round-trip time, in milliseconds
 */
public record Spill(String from, String to, String reason, double fromMs, double toMs) {}
