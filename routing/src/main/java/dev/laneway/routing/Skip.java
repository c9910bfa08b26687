package dev.laneway.routing;

/** A lane that was not a candidate, and why (residency, space, not admitted, breaker open, …). */
public record Skip(String lane, String reason) {}
