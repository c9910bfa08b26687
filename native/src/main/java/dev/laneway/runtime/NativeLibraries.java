package dev.laneway.runtime;

import ai.onnxruntime.OrtEnvironment;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The two native libraries a lane needs: ONNX Runtime's (extracted from its jar and loaded, with its environment) and
 * the Hugging Face tokenizers' (DJL's, kept from the network: taken from the jar, never downloaded). Each loads once
 * per process, on first use; {@link #preloadInBackground} loads both ahead of that.
 */
public final class NativeLibraries {
  private static final Logger LOG = Logger.getLogger(NativeLibraries.class.getName());

  private NativeLibraries() {}

  static void offline() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("DJL_DISABLE_PROGRESS_BAR", "true");
  }

  /**
   * Loads both libraries on a daemon thread of its own and returns at once. A start calls it before it reads its
   * topology: here the loads took about 0.3 s (ONNX Runtime's environment 0.2 s, the tokenizers' library 0.1 s) that
   * the first session and the first tokenizer otherwise pay on the lanes' path, while the topology is parsed on
   * another core. Loading is idempotent and thread-safe, so a lane that needs a library first waits for the same load;
   * a load that fails here fails again, with its error, where a lane needs it.
   */
  public static void preloadInBackground() {
    Thread.ofPlatform().name("laneway-preload").daemon(true).start(() -> {
      long t0 = System.nanoTime();
      try {
        offline();
        OrtEnvironment.getEnvironment();
        long t1 = System.nanoTime();
        ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
        if (LOG.isLoggable(Level.FINE)) {
          LOG.fine(String.format("start-up: native libraries preloaded: ONNX Runtime %d ms, tokenizers %d ms",
              (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000));
        }
      } catch (RuntimeException | LinkageError e) { // the lane that needs it fails with this error, where it is told
        LOG.log(Level.FINE, "start-up: preloading the native libraries failed", e);
      }
    });
  }
}
