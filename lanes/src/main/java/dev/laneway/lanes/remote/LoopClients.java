package dev.laneway.lanes.remote;

import dev.laneway.lanes.LaneCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * One transport's gRPC clients (plain h2c, TLS, or one lane's pinned TLS), one per event loop that sends on it, made
 * on that loop's first call: a client's HTTP/2 connection is opened on the event loop of the request that needed it,
 * so a call sent from a door's event loop writes and reads on that same thread and its reply lands there without a
 * hand-off (a single client would keep one connection on one loop, and every call from another loop would cross to
 * it and back). The cost: a node gets up to one connection per gateway event loop instead of one.
 *
 * <p>{@link #here} must be called on the event loop whose client is wanted (keyed by the thread: an event loop is one
 * thread). Thread-safe.
 */
final class LoopClients {
  private final Supplier<GrpcClient> make;
  private final Map<Thread, GrpcClient> byLoop = new ConcurrentHashMap<>();

  LoopClients(Supplier<GrpcClient> make) {
    this.make = make;
  }

  /** The same client on every loop (a caller that manages one client itself). */
  static LoopClients of(GrpcClient client) {
    return new LoopClients(() -> client);
  }

  /** The client of the calling event loop, made on its first use. */
  GrpcClient here() {
    return byLoop.computeIfAbsent(Thread.currentThread(), t -> make.get());
  }

  /** How many clients were made: one per event loop that sent. */
  int size() {
    return byLoop.size();
  }

  /**
   * Runs {@code task} on an event loop of {@code vertx}: in place when called on one (a door's loop: the call leaves
   * and is answered there), else on the loop {@code door} runs its tasks on (a call's completion executor, as a hedge's
   * timer thread has it), else on {@code fallback}.
   */
  static void runOnLoop(Vertx vertx, Executor door, Context fallback, Runnable task) {
    if (onLoopOf(vertx)) {
      task.run();
      return;
    }
    Runnable onLoop = () -> {
      if (onLoopOf(vertx)) task.run(); else fallback.runOnContext(v -> task.run());
    };
    if (door == LaneCall.IN_PLACE) {
      fallback.runOnContext(v -> task.run());
      return;
    }
    try {
      door.execute(onLoop);
    } catch (RejectedExecutionException e) { // the door's loop is shut down
      fallback.runOnContext(v -> task.run());
    }
  }

  /** On an event loop of {@code vertx}. */
  static boolean onLoopOf(Vertx vertx) {
    Context c = Vertx.currentContext();
    return c != null && c.isEventLoopContext() && c.owner() == vertx;
  }

  /** Closes every client made (each distinct one once). */
  List<Future<Void>> close() {
    List<Future<Void>> closing = new ArrayList<>();
    byLoop.values().stream().distinct().forEach(c -> closing.add(c.close()));
    byLoop.clear();
    return closing;
  }
}
