package dev.laneway.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The completion executor a door names for its calls: one object per event loop context (so an instance groups a
 * batch's answers by it), its duplicates included, running tasks on that loop; none off Vert.x.
 */
class DoorRepliesExecutorTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Runs {@code body} on {@code context} and returns what it returned. */
  static <T> T on(Context context, java.util.function.Supplier<T> body) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(v -> f.complete(body.get()));
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void oneExecutorPerEventLoopContext_sharedByItsDuplicates_runningOnTheLoop() throws Exception {
    Context loop = vertx.getOrCreateContext();
    Executor first = on(loop, () -> DoorReplies.executor(Vertx.currentContext()));
    Executor again = on(loop, () -> DoorReplies.executor(Vertx.currentContext()));
    Context duplicate = ((ContextInternal) loop).duplicate();
    Executor fromDuplicate = on(duplicate, () -> DoorReplies.executor(Vertx.currentContext()));
    assertNotNull(first);
    assertSame(first, again, "the same object for every request from one loop");
    assertSame(first, fromDuplicate, "a request's duplicated context shares its loop's executor");
    Context other = vertx.getOrCreateContext();
    assertNotSame(first, on(other, () -> DoorReplies.executor(Vertx.currentContext())), "another context, another");

    String loopThread = on(loop, () -> Thread.currentThread().getName());
    CompletableFuture<String> ranOn = new CompletableFuture<>();
    first.execute(() -> ranOn.complete(Thread.currentThread().getName())); // from this (non-Vert.x) thread
    assertEquals(loopThread, ranOn.get(10, TimeUnit.SECONDS));
  }

  @Test
  void noExecutor_offVertx() {
    assertNull(DoorReplies.executor(Vertx.currentContext()), "this test's thread is no Vert.x thread");
  }
}
