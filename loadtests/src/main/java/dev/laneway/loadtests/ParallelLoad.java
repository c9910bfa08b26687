package dev.laneway.loadtests;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Runs several open loops at once, one platform thread each, and returns their recordings in order. */
final class ParallelLoad {
  private ParallelLoad() {}

  static List<Recording> run(List<Supplier<Recording>> loops) {
    List<Recording> out = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    Recording[] results = new Recording[loops.size()];
    RuntimeException[] failure = new RuntimeException[1];
    for (int i = 0; i < loops.size(); i++) {
      int k = i;
      threads.add(Thread.ofPlatform().name("bench-load-" + i).start(() -> {
        try {
          results[k] = loops.get(k).get();
        } catch (RuntimeException e) {
          synchronized (failure) {
            failure[0] = e;
          }
        }
      }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    synchronized (failure) {
      if (failure[0] != null) throw failure[0];
    }
    for (Recording r : results) out.add(r);
    return out;
  }
}
