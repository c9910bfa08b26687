package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Slows a share of a device's calls on a gateway whose fault API predates {@code latency_rate}: sets the fault for
 * {@code share} of every second and clears it for the rest ({@code POST /v2/admin/devices/{device}/fault}). Calls
 * that reach the device inside a burst are slowed, so about {@code share} of a steady load is, in bursts rather than
 * at random (the bench reports how many answers were that slow).
 *
 * <p>Threads: {@link #start} and {@link #stop} on the scenario's thread; the toggling on its own platform thread.
 */
final class SlowBursts {
  private final AdminClient admin;
  private final String device;
  private final JsonObject fault;
  private final long onMillis;
  private final Thread thread;
  private volatile boolean stopped;
  private long bursts;
  private long refused;

  private SlowBursts(AdminClient admin, String device, JsonObject fault, double share) {
    this.admin = admin;
    this.device = device;
    this.fault = fault.copy();
    this.onMillis = Math.max(1, Math.round(1000 * share));
    this.thread = Thread.ofPlatform().name("bench-slow-bursts").daemon().unstarted(this::loop);
  }

  static SlowBursts start(AdminClient admin, String device, JsonObject fault, double share) {
    if (!(share > 0 && share < 1)) throw new IllegalArgumentException("share: " + share + " (expected: 0 < share < 1)");
    SlowBursts s = new SlowBursts(admin, device, fault, share);
    s.thread.start();
    return s;
  }

  long onMillis() {
    return onMillis;
  }

  private void loop() {
    long next = System.nanoTime();
    while (!stopped) {
      boolean on = !admin.fault(device, fault).containsKey("unavailable");
      sleep(TimeUnit.MILLISECONDS.toNanos(onMillis));
      admin.fault(device, new JsonObject());
      synchronized (this) {
        if (on) bursts++;
        else refused++;
      }
      next += TimeUnit.SECONDS.toNanos(1);
      sleep(next - System.nanoTime());
    }
  }

  private static void sleep(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) LockSupport.parkNanos(left);
  }

  /** Stops after the current burst (the fault is cleared at its end); returns what it did. */
  JsonObject stop() {
    stopped = true;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      return new JsonObject().put("bursts", bursts).put("refused", refused).put("on_ms", onMillis);
    }
  }
}
