package dev.laneway.loadtests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code GET /v2/admin/lanes} once a second on its own thread while a load runs: each lane's {@code in_flight}
 * (max and mean over the samples) and every {@code breaker_history} entry seen ({@code "closed -> open @<epoch
 * millis>"}). The gateway keeps only a lane's last 16 transitions, so reading during the load keeps those a single read
 * after it would have lost; the same entry read twice counts once.
 *
 * <p>Threads: started and closed by the scenario's thread; samples on its own platform thread; the readers take the
 * lock.
 */
final class LaneSampler implements AutoCloseable {
  private static final Pattern AT = Pattern.compile("@(\\d+)\\s*$");

  private final AdminClient admin;
  private final Map<String, long[]> inFlight = new TreeMap<>(); // lane -> {max, sum, samples}
  private final Set<String> transitions = new LinkedHashSet<>(); // "lane: closed -> open @millis"
  private final Thread thread;
  private volatile boolean stopped;

  private LaneSampler(AdminClient admin, String name) {
    this.admin = admin;
    this.thread = Thread.ofPlatform().name("bench-lanes-" + name).daemon().unstarted(this::loop);
  }

  /** Starts sampling now, then once a second. */
  static LaneSampler start(AdminClient admin, String name) {
    LaneSampler s = new LaneSampler(admin, name);
    s.thread.start();
    return s;
  }

  private void loop() {
    while (!stopped) {
      sample();
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One read of the lanes, added to the samples; also called once more after the load by {@link #close}. */
  void sample() {
    JsonObject body = admin.lanes();
    if (body == null) return;
    synchronized (this) {
      for (Object o : body.getJsonArray("lanes", new JsonArray())) {
        if (!(o instanceof JsonObject lane)) continue;
        String id = lane.getString("id");
        long n = lane.getLong("in_flight", 0L);
        long[] s = inFlight.computeIfAbsent(id, k -> new long[3]);
        s[0] = Math.max(s[0], n);
        s[1] += n;
        s[2]++;
        for (Object t : lane.getJsonArray("breaker_history", new JsonArray())) transitions.add(id + ": " + t);
      }
    }
  }

  /** Stops sampling and takes one last read, so transitions up to now are in. */
  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    try {
      thread.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample();
  }

  /** {@code {"max": .., "mean": .., "samples": ..}} of {@code lane}'s in_flight; samples 0 when never read. */
  synchronized JsonObject inFlight(String lane) {
    long[] s = inFlight.getOrDefault(lane, new long[3]);
    return new JsonObject().put("max", s[0]).put("mean", s[2] == 0 ? null : BenchContext.round((double) s[1] / s[2]))
        .put("samples", s[2]);
  }

  /** Every lane's in_flight, as {@link #inFlight(String)}. */
  synchronized JsonObject inFlight() {
    JsonObject o = new JsonObject();
    for (String lane : inFlight.keySet()) o.put(lane, inFlight(lane));
    return o;
  }

  /** Transitions seen, of any lane, stamped in {@code [fromMillis, toMillis]}: {@code "lane: from -> to @millis"}. */
  synchronized List<String> transitionsBetween(long fromMillis, long toMillis) {
    return transitions.stream().filter(t -> {
      long at = at(t);
      return at >= fromMillis && at <= toMillis;
    }).toList();
  }

  /** The epoch millis of a {@code breaker_history} entry, or -1. */
  static long at(String transition) {
    Matcher m = AT.matcher(transition);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Each lane's breaker state in a {@code GET /v2/admin/lanes} body ({@code {}} for null). */
  static JsonObject breakerStates(JsonObject lanes) {
    JsonObject o = new JsonObject();
    if (lanes == null) return o;
    for (Object l : lanes.getJsonArray("lanes", new JsonArray())) {
      if (l instanceof JsonObject lane) o.put(lane.getString("id"), lane.getString("breaker"));
    }
    return o;
  }
}
