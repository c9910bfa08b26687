package dev.laneway.gateway.pipeline;

/**
 * The pipeline's one answer to a call, whatever the door: a vector and a token count per text in the request's order,
 * the variant that computed them, and the typed response parameters. Each door encodes it in its own wire format.
 */
public record Answer(float[][] vectors, int[] tokenCounts, String variant, ResponseParameters parameters) {
  /** Tokens over every text: what OpenAI's {@code usage} reports. */
  public int promptTokens() {
    int n = 0;
    for (int t : tokenCounts) n += t;
    return n;
  }
}
