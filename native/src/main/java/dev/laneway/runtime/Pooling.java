package dev.laneway.runtime;

/** How token vectors become one sentence vector. MiniLM is mean-pooled; BGE uses the [CLS] vector. */
public enum Pooling {
  /** Attention-masked mean over the real tokens. */
  MEAN,
  /** The first ([CLS]) token's vector. */
  CLS
}
