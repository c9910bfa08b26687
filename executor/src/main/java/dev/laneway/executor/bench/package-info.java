/**
 * {@code ./laneway bench executor}: the executor's benchmark, in one process, on the committed corpora.
 *
 * <pre>{@code
 * ./laneway bench executor --json bench-results/executor.json
 * ./laneway bench executor --quick          # <= 20 s, for CI smoke runs
 * }</pre>
 */
package dev.laneway.executor.bench;
