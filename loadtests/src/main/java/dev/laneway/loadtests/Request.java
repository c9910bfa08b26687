package dev.laneway.loadtests;

import java.util.List;

/**
 * One inference request as the bench sends it, whatever the front door.
 *
 * @param texts the input texts (one per sentence)
 * @param region {@code x-laneway-region}, or null
 * @param latencyClass {@code x-laneway-latency-class}, or null
 * @param timeoutMicros the OIP {@code timeout} parameter (Triton style, microseconds); 0 sends none
 * @param apiKey {@code x-api-key} (the tenant; REST doors only), or null
 */
public record Request(String model, String version, List<String> texts, String region, String latencyClass,
    long timeoutMicros, String apiKey) {
  public Request {
    texts = List.copyOf(texts);
    if (texts.isEmpty()) throw new IllegalArgumentException("texts: empty (expected: >= 1)");
    if (timeoutMicros < 0) throw new IllegalArgumentException("timeoutMicros: " + timeoutMicros + " (expected: >= 0)");
  }

  /** Without an API key (the anonymous tenant). */
  public Request(String model, String version, List<String> texts, String region, String latencyClass,
      long timeoutMicros) {
    this(model, version, texts, region, latencyClass, timeoutMicros, null);
  }

  /** This request sent as the tenant whose key is {@code key}. */
  public Request withApiKey(String key) {
    return new Request(model, version, texts, region, latencyClass, timeoutMicros, key);
  }

  /** This request with {@code texts} instead. */
  public Request withTexts(List<String> other) {
    return new Request(model, version, other, region, latencyClass, timeoutMicros, apiKey);
  }
}
