package dev.laneway.gateway.slo;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The gateway's own count of each SLI's events, for burn rates without Prometheus: counted and bad events in
 * {@link #SLOT 10-second} slots over the last {@link #LONGEST hour}, on an injected clock. The burn rate over a window
 * is the window's bad share divided by the error budget ({@code 1 - target}): 1 spends the budget exactly over the
 * objective's window, 14.4 spends a 30-day budget's 2% in an hour. This is what the generated recording rules compute
 * from the same events ({@code laneway_tenant_requests_total}); the gateway's figure is this process's alone.
 *
 * <p>Thread-safe: {@link #record} is called on lane threads as answers complete, the readers on event loops; one
 * short lock per SLI (a slot update, or a sum over at most 360 slots).
 */
public final class BurnRates {
  /** The width of one slot: the resolution of every window. */
  public static final Duration SLOT = Duration.ofSeconds(10);
  /** The longest window the gateway keeps. */
  public static final Duration LONGEST = Duration.ofHours(1);

  private static final long SLOT_NANOS = SLOT.toNanos();
  private static final int SLOTS = (int) (LONGEST.toNanos() / SLOT_NANOS);

  private final LongSupplier nanos;
  private final Map<String, Ring> rings = new LinkedHashMap<>();

  /** @param nanos the clock ({@code System::nanoTime}, or a test's) */
  public BurnRates(List<SloSpec.Sli> slis, LongSupplier nanos) {
    this.nanos = nanos;
    for (SloSpec.Sli s : slis) rings.put(s.id(), new Ring(s.errorBudget()));
  }

  /** One counted event of an SLI; {@code bad}: it spent budget. Any thread. */
  public void record(SloSpec.Sli sli, boolean bad) {
    rings.get(sli.id()).add(nanos.getAsLong() / SLOT_NANOS, bad);
  }

  /** The events of an SLI over the last {@code window} (at most {@link #LONGEST}). Any thread. */
  public Window window(SloSpec.Sli sli, Duration window) {
    return rings.get(sli.id()).sum(nanos.getAsLong() / SLOT_NANOS, window);
  }

  /**
   * The counted and bad events of a window.
   *
   * @param burnRate the bad share over the error budget; 0 when nothing was counted
   */
  public record Window(long total, long bad, double burnRate) {}

  /** One SLI's slots: a ring indexed by slot number, each slot remembering which slot number it holds. */
  private static final class Ring {
    private final double budget;
    private final long[] slot = new long[SLOTS];
    private final long[] total = new long[SLOTS];
    private final long[] bad = new long[SLOTS];

    Ring(double budget) {
      this.budget = budget;
      java.util.Arrays.fill(slot, Long.MIN_VALUE);
    }

    synchronized void add(long now, boolean isBad) {
      int i = (int) Math.floorMod(now, SLOTS);
      if (slot[i] != now) {
        slot[i] = now;
        total[i] = 0;
        bad[i] = 0;
      }
      total[i]++;
      if (isBad) bad[i]++;
    }

    synchronized Window sum(long now, Duration window) {
      long n = Math.min(SLOTS, Math.max(1, window.toNanos() / SLOT_NANOS));
      long t = 0;
      long b = 0;
      for (long s = now - n + 1; s <= now; s++) {
        int i = (int) Math.floorMod(s, SLOTS);
        if (slot[i] == s) {
          t += total[i];
          b += bad[i];
        }
      }
      return new Window(t, b, t == 0 ? 0 : ((double) b / t) / budget);
    }
  }
}
