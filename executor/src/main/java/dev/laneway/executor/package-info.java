/**
 * Dynamic batching for one lane. {@link dev.laneway.executor.LaneExecutor} is the way in: it starts and wires the
 * queue ({@code LaneQueue}: queues per latency class, each shared fairly between tenants by weighted fair queueing
 * charged in tokens ({@code FairClock}), slots shared by class, shedding, the cost ledger and its estimates), the
 * tokenizer stage, the batch decision ({@link dev.laneway.executor.Batcher}, a pure function of the
 * queue and the time), the instances (one thread each, owning their ONNX Runtime sessions) and the watchdog's check of
 * executing batches. {@link dev.laneway.executor.Calibration} measures a quantized variant against its reference for
 * admission; {@code ExecutorTelemetry} records spans and metrics through the OpenTelemetry API only. The public API
 * speaks executor records ({@link dev.laneway.executor.ExecutorModel}, {@link dev.laneway.executor.DeviceProvider}) and
 * {@link dev.laneway.base.ModelKey}, never the native layer's types. Nothing here imports Vert.x.
 *
 * <pre>{@code
 * ExecutorConfig config = new ExecutorConfig("hk-general", "hk",
 *     BatchPolicy.dynamic(32, Duration.ofMillis(2)), 4096, 2, 1);
 * ExecutorModel minilm = new ExecutorModel(ModelKey.of("all-minilm-l6-v2", "int8"),
 *     "classpath:all-minilm-l6-v2-q.onnx", "classpath:all-minilm-l6-v2-q-tokenizer.json", ExecutorModel.Pooling.MEAN, 256);
 * LaneExecutor ex = LaneExecutor.start(config, List.of(new Placement("hk-gpu0", List.of("cuda", "cpu"))),
 *     List.of(minilm), otel);
 * ex.submit(new EmbedRequest(minilm.key(), List.of("hello"), deadlineNanos, Priority.INTERACTIVE))
 *     .thenAccept(r -> System.out.println(r.vectors()[0].length));
 * }</pre>
 */
package dev.laneway.executor;
