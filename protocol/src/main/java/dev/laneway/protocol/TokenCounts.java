package dev.laneway.protocol;

/**
 * The {@value Oip#TOKEN_COUNTS} response parameter: each text's token count after tokenisation (special tokens
 * included, truncation applied), in text order, comma-separated ({@code "4,4"}): what OpenAI's {@code usage} sums,
 * and how a gateway learns the counts of texts a remote lane computed. Stateless; any thread.
 */
public final class TokenCounts {
  private TokenCounts() {}

  public static String encode(int[] counts) {
    StringBuilder b = new StringBuilder(counts.length * 3);
    for (int i = 0; i < counts.length; i++) {
      if (i > 0) b.append(',');
      b.append(counts[i]);
    }
    return b.toString();
  }

  /**
   * The counts of {@code n} texts; zeros when {@code value} is null or empty, holds another number of counts, or
   * anything but non-negative integers (the counts are informational: a node that sends none still answers).
   */
  public static int[] decode(String value, int n) {
    int[] out = new int[n];
    if (value == null || value.isEmpty()) return out;
    String[] parts = value.split(",", -1);
    if (parts.length != n) return out;
    try {
      for (int i = 0; i < n; i++) {
        out[i] = Integer.parseInt(parts[i].trim());
        if (out[i] < 0) return new int[n];
      }
    } catch (NumberFormatException e) {
      return new int[n];
    }
    return out;
  }
}
