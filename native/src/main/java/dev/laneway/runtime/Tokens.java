package dev.laneway.runtime;

/**
 * One tokenised text: token ids with the special tokens, already truncated to the model's limit. The arrays are owned
 * by this record and never modified after construction.
 *
 * @param ids token ids ([CLS] … [SEP])
 * @param typeIds token type ids (all zero for a single sequence)
 * @param truncated whether the text was longer than the model's limit
 */
public record Tokens(long[] ids, long[] typeIds, boolean truncated) {
  public int length() {
    return ids.length;
  }
}
