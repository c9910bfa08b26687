package dev.laneway.loadtests;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One core kept busy by a process that is not the gateway ({@code sh}'s empty loop), for as long as it is open: the
 * CPU neighbour a shared machine imposes on every tenant at once, with nothing queued in the gateway: what a
 * tenant's latency does beside it separates the machine's share of a noisy neighbour from the gateway's.
 */
final class BusyCore implements AutoCloseable {
  private final Process process;

  BusyCore() {
    try {
      process = new ProcessBuilder("sh", "-c", "while :; do :; done").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start a busy loop (sh): " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
