/**
 * Dynamic batching for one lane: queues per latency class, the batch decision ({@link dev.laneway.executor.Batcher},
 * a pure function of the queue and the time), a tokenizer thread, and instance threads that each own their ONNX
 * Runtime sessions. Spans and metrics go through the OpenTelemetry API only. Nothing here imports Vert.x.
 *
 * <pre>{@code
 * ExecutorConfig config = new ExecutorConfig("hk-general", "hk",
 *     BatchPolicy.dynamic(32, Duration.ofMillis(2)), 4096, 2, 1);
 * LaneExecutor ex = LaneExecutor.start(config, List.of(new Placement("hk-gpu0", List.of("cuda", "cpu"))), specs, otel);
 * ex.submit(new EmbedRequest("all-minilm-l6-v2:int8", List.of("hello"), deadlineNanos, Priority.INTERACTIVE))
 *     .thenAccept(r -> System.out.println(r.vectors()[0].length));
 * }</pre>
 */
package dev.laneway.executor;
