package dev.laneway.loadtests;

import java.util.List;

/**
 * One inference request as the bench sends it, whatever the front door.
 *
 * @param texts the input texts (one per sentence)
 * @param region {@code x-laneway-region}, or null
 * @param latencyClass {@code x-laneway-latency-class}, or null
 * @param timeoutMicros the OIP {@code timeout} parameter (Triton style, microseconds); 0 sends none
 */
public record Request(String model, String version, List<String> texts, String region, String latencyClass,
    long timeoutMicros) {
  public Request {
    texts = List.copyOf(texts);
    if (texts.isEmpty()) throw new IllegalArgumentException("texts: empty (expected: >= 1)");
    if (timeoutMicros < 0) throw new IllegalArgumentException("timeoutMicros: " + timeoutMicros + " (expected: >= 0)");
  }
}
