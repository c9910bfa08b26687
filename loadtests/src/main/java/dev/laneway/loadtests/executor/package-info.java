/**
 * The executor benchmark ({@code ./laneway bench executor}): the executor alone, in one process, on the int8 MiniLM
 * model and the committed corpora — the offline limit on native sessions ({@link dev.laneway.loadtests.OfflineBatches},
 * the same batching and padding as the e2e bench's ONNX Runtime limit), then saturation, interactive overhead and
 * interactive queue time under a batch-class flood through a {@link dev.laneway.executor.LaneExecutor}. No gateway.
 *
 * <pre>{@code
 * ./laneway bench executor --quick --json bench-results/executor.json
 * }</pre>
 */
package dev.laneway.loadtests.executor;
