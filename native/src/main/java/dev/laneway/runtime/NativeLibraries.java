package dev.laneway.runtime;

/** Keeps DJL from reaching the network: its tokenizer native library is taken from the jar, never downloaded. */
final class NativeLibraries {
  private NativeLibraries() {}

  static void offline() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("DJL_DISABLE_PROGRESS_BAR", "true");
  }
}
