/**
 * Dynamic batching for one lane: a bounded queue, instance threads that each own their ONNX Runtime sessions, and the
 * batch decision. Everything here speaks JDK types; nothing imports Vert.x.
 *
 * <pre>{@code
 * LaneExecutor ex = LaneExecutor.start(config, List.of(new Placement("hk-gpu0", List.of("cuda", "cpu"))), specs);
 * ex.submit(new EmbedRequest("all-minilm-l6-v2:int8", List.of("hello"), deadlineNanos, Priority.STANDARD))
 *     .thenAccept(r -> System.out.println(r.vectors()[0].length));
 * }</pre>
 */
package dev.laneway.executor;
