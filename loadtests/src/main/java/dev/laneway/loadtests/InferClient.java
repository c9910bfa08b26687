package dev.laneway.loadtests;

import java.util.concurrent.CompletableFuture;

/**
 * A front door of the gateway as the bench sees it. {@link #infer} never blocks the caller (the open loop's scheduler
 * thread) and the future always completes, normally, with a {@link Reply}: transport failures are replies too.
 */
public interface InferClient extends AutoCloseable {
  /** Short name for tables: {@code rest-json}, {@code rest-binary}, {@code grpc}, {@code grpc-stream}, {@code openai}. */
  String name();

  CompletableFuture<Reply> infer(Request request);

  @Override
  void close();
}
