package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A lane that joins after ready, closed by a SIGTERM while it starts: the close waits for the start (its warm-up runs
 * in native code) and then drains the lane; a lane closed before its start began never starts; a start that outlasts
 * the wait is closed by the joining thread when it finishes. Latches, no sleeps.
 */
class JoiningLaneTest {
  static final LaneSpec SPEC = new LaneSpec("npu", "hk", LaneClass.SPECIALISED, List.of("npu0"), 1, 1, null, null, 0,
      null);

  /** What happened, in order: the start returned, the lane was drained or closed. */
  final List<String> events = new CopyOnWriteArrayList<>();
  final CountDownLatch inStart = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);


  /** A start that blocks until {@link #release}, then returns a lane recording its close. */
  Lane start() {
    inStart.countDown();
    try {
      assertTrue(release.await(30, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    events.add("started");
    return new Lane() {
      public String id() { return SPEC.id(); }
      public LaneSpec spec() { return SPEC; }
      public boolean serves(String model, String variant) { return true; }
      public List<DeviceStatus> devices() { return List.of(); }
      public boolean ready() { return true; }
      public CompletableFuture<LaneResult> infer(LaneCall call) { return new CompletableFuture<>(); }
      public int inFlight() { return 0; }
      public void drainAndClose(long timeoutMillis) { events.add("drained"); }
      public void close() { events.add("closed"); }
    };
  }

  @Test
  void aDrainWhileTheLaneStarts_waitsForTheStart_thenDrainsIt() throws Exception {
    JoiningLane j = new JoiningLane(SPEC);
    CompletableFuture<Boolean> joining = CompletableFuture.supplyAsync(() -> j.run(this::start));
    assertTrue(inStart.await(30, TimeUnit.SECONDS));
    CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> j.drainAndClose(30_000));
    release.countDown();
    drain.get(30, TimeUnit.SECONDS);
    assertTrue(joining.get(30, TimeUnit.SECONDS));
    assertEquals(List.of("started", "drained"), events, "drained once, after its start returned, by the drain");
    assertFalse(j.ready(), "closed: takes no work");
  }

  @Test
  void aLaneClosedBeforeItsStartBegan_neverStarts() {
    JoiningLane j = new JoiningLane(SPEC);
    j.close();
    release.countDown();
    assertFalse(j.run(this::start));
    assertEquals(List.of(), events);
    assertTrue(j.state().startsWith("failed: closed before it joined"), j.state());
  }

  @Test
  void aStartThatOutlastsTheWait_isClosedWhenItFinishes() throws Exception {
    JoiningLane j = new JoiningLane(SPEC);
    CompletableFuture<Boolean> joining = CompletableFuture.supplyAsync(() -> j.run(this::start));
    assertTrue(inStart.await(30, TimeUnit.SECONDS));
    assertEquals(0, j.awaitStart(1), "the wait ran out");
    j.drainAndClose(0);
    assertEquals(List.of(), events, "nothing to drain yet");
    release.countDown();
    assertTrue(joining.get(30, TimeUnit.SECONDS));
    assertEquals(List.of("started", "closed"), events, "the joining thread closed it, once");
  }
}
